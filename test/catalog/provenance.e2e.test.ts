/**
 * Models with provenance across real node processes on 127.0.0.1: alpha (an
 * admin) serves the generated model, beta delegates to it.
 * - With `models.require: "approved"` in alpha's policy, alpha refuses its
 *   own file until an admin puts it on the org's signed catalog; the catalog
 *   reaches beta by gossip; withdrawing it refuses again.
 * - A delegation pinned to a digest is refused by a member serving another
 *   file under the same name, and routed only to members whose card lists
 *   that digest.
 * - A non-admin cannot sign the catalog.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'

type Outcome = { type: string, output?: unknown, error?: { wire?: string, message?: string } }

async function complete (from: MycelProcess, extra: { peer?: string, modelSha256?: string } = {}): Promise<Outcome> {
  const res = await from.request<string>('POST', '/api/tasks', {
    body: {
      kind: 'llm.complete',
      model: MODEL,
      input: { model: MODEL, prompt: 'hello', maxTokens: 2, ...(extra.modelSha256 != null ? { modelSha256: extra.modelSha256 } : {}) },
      ...(extra.peer != null ? { peer: extra.peer } : {})
    }
  })
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body)
  return JSON.parse(text.trim().split('\n').at(-1) as string) as Outcome
}

describe('models with provenance', { timeout: 300_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let digest: string

  before(async () => {
    ({ alpha, others: [beta] } = await modelMesh(h, 1) as { alpha: MycelProcess, others: [MycelProcess] })
    const models = await alpha.get<Array<{ name: string, sha256: string, approved: boolean }>>('/api/models')
    digest = (models.find(m => m.name === MODEL) as { sha256: string }).sha256
    assert.equal(models.find(m => m.name === MODEL)?.approved, false)
  })

  it('under models.require "approved" a file runs only while the signed catalog approves it', async () => {
    assert.equal((await complete(beta, { peer: alpha.peerId })).type, 'result')
    const policyPath = join(alpha.home, 'policy.json')
    const policy = JSON.parse(await readFile(policyPath, 'utf8'))
    await writeFile(policyPath, JSON.stringify({ ...policy, models: { require: 'approved' } }, null, 2))
    await waitFor(async () => (await complete(beta, { peer: alpha.peerId })).error?.wire === 'model-not-approved', { what: 'alpha to refuse its unapproved file', timeoutMs: 30_000 })

    const approved = await h.ok(alpha.home, ['models', 'approve', MODEL, '--source', 'scripts/make-test-model.ts', '--json'])
    assert.equal(approved.json<{ sha256: string }>().sha256, digest)
    assert.equal((await complete(beta, { peer: alpha.peerId })).type, 'result')
    // the signed catalog reached beta by gossip, as it would any member
    await waitFor(async () => (await h.ok(beta.home, ['models', 'catalog', '--json'])).json<{ models: Array<{ sha256: string }> }>().models.some(m => m.sha256 === digest),
      { what: 'the catalog to reach beta', timeoutMs: 30_000 })
    const listed = await h.ok(beta.home, ['models', 'catalog'])
    assert.match(listed.stdout, new RegExp(`${MODEL}\\s+${digest.slice(0, 12)}`))

    await h.ok(alpha.home, ['models', 'withdraw', MODEL])
    assert.equal((await complete(beta, { peer: alpha.peerId })).error?.wire, 'model-not-approved')
    await writeFile(policyPath, JSON.stringify(policy, null, 2))
    await waitFor(async () => (await complete(beta, { peer: alpha.peerId })).type === 'result', { what: 'the policy edit back to take effect', timeoutMs: 30_000 })
  })

  it('a delegation pinned to another digest is refused by the member, and not routed to it', async () => {
    const other = 'f'.repeat(64)
    const pinnedPeer = await complete(beta, { peer: alpha.peerId, modelSha256: other })
    assert.equal(pinnedPeer.error?.wire, 'model-digest-mismatch')
    const unpinned = await complete(beta, { modelSha256: other })
    assert.equal(unpinned.error?.wire, 'no-candidate')
    assert.match(unpinned.error?.message ?? '', /sha256 ffffffffffff/)
    assert.equal((await complete(beta, { modelSha256: digest })).type, 'result')
    // the CLI says the same in one line
    const cli = await h.cli(beta.home, ['run', '--peer', 'alpha', '--model', MODEL, '--model-sha256', other, '--max-tokens', '2', 'hi'])
    assert.notEqual(cli.code, 0)
    assert.match(cli.stderr, /pinned by digest|not the file/)
    const bad = await h.cli(beta.home, ['run', '--model', MODEL, '--model-sha256', 'xyz', 'hi'])
    assert.equal(bad.code, 2)
  })

  it('a member that is not an admin cannot sign the catalog', async () => {
    const r = await h.cli(beta.home, ['models', 'approve', MODEL, '--sha256', digest])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /admin/)
  })
})
