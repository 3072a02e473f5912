/**
 * The output check between real node processes. Alpha holds a `local-only`
 * collection and a `confidential` one, each with a distinctive sentence;
 * beta delegates `echo` tasks to alpha. An echo whose output would carry
 * either sentence is refused by alpha with `output-refused` and audited
 * there (digests only), streamed or not; the same echo without the
 * sentence works; once alpha's policy lets beta read the confidential
 * collection, its sentence goes through, the local-only one never.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { ApiClient } from '../../node/api/client.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { homePaths } from '../../node/home/home.ts'

const BOARD = 'The merger with Initech closes on the first of March for ninety million dollars.'
const DEALS = 'Our bid for the Umbrella warehouse stays below seven million euros until June.'

interface AuditJson { seq: number, type: string, peer?: string, task?: string, data?: Record<string, unknown> }

describe('the output check between node processes', { timeout: 240_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess

  before(async () => {
    const docs = await h.tempDir('mycel-guard-docs-')
    await mkdir(join(docs, 'board'))
    await mkdir(join(docs, 'deals'))
    await writeFile(join(docs, 'board', 'merger.md'), `# Board minutes\n\n${BOARD}\n`)
    await writeFile(join(docs, 'deals', 'bids.md'), `# Bids\n\n${DEALS}\n`)
    const alphaHome = await h.found('acme', 'alpha')
    await h.ok(alphaHome, ['memory', 'ingest', join(docs, 'board'), '--collection', 'board'])
    alpha = await h.start(alphaHome)
    // classified and ingested while the node runs, so the index follows live changes
    await h.ok(alphaHome, ['memory', 'classify', 'board', 'local-only'])
    await h.ok(alphaHome, ['memory', 'classify', 'deals', 'confidential'])
    await h.ok(alphaHome, ['memory', 'ingest', join(docs, 'deals'), '--collection', 'deals'])
    beta = await h.start(await h.join(await h.invite(alpha), 'beta'))
    await waitFor(async () => (await beta.caps()).some(c => c.peerId === alpha.peerId), { what: 'beta to hold alpha\'s card', timeoutMs: 90_000 })
  })

  const audit = async (n: MycelProcess): Promise<AuditJson[]> => await n.get<AuditJson[]>('/api/audit/tail?n=1000')
  const echo = async (prompt: string): Promise<{ code: number, stdout: string, stderr: string }> =>
    await h.cli(beta.home, ['run', '--peer', alpha.peerId, '--kind', 'echo', '--json', prompt])

  it('refuses an echo that carries the local-only sentence, and audits the refusal with digests only', async () => {
    const before = (await audit(alpha)).length
    const res = await echo(`Please repeat: ${BOARD} Thanks.`)
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /memory text the executor may not send/)
    assert.equal(res.stdout.includes('Initech'), false)
    const fresh = (await audit(alpha)).slice(before)
    const refused = fresh.filter(e => e.type === 'guard.output-refused')
    assert.equal(refused.length, 1)
    assert.equal(refused[0]?.peer, beta.peerId)
    assert.equal(refused[0]?.data?.dataClass, 'local-only')
    assert.equal(refused[0]?.data?.kind, 'echo')
    assert.ok(fresh.some(e => e.type === 'task.state' && e.task === refused[0]?.task && e.data?.code === 'output-refused'), 'the task failed with output-refused')
    assert.equal(JSON.stringify(fresh).includes('Initech'), false, 'no text in the audit log')
  })

  it('the same echo without the sentence works, and a short phrase of it too', async () => {
    const res = await echo('Please repeat: the first of March. Thanks.')
    assert.equal(res.code, 0, res.stderr)
    assert.equal(JSON.parse(res.stdout).output, 'Please repeat: the first of March. Thanks.')
    assert.equal(JSON.parse(res.stdout).executor, alpha.peerId)
  })

  it('streamed in pieces, the refusal comes before the passage is out', async () => {
    const api = await ApiClient.fromHome(beta.home)
    let text = ''
    let error: { wire?: string } | undefined
    for await (const e of api.runTask({ kind: 'echo', peer: alpha.peerId, input: { prompt: `Minutes follow. ${BOARD}`, chunks: 40 } })) {
      if (e.type === 'text') text += e.text
      else if (e.type === 'error') error = e.error
    }
    assert.equal(error?.wire, 'output-refused')
    assert.equal(text.includes('Initech closes on the first of March'), false, `streamed: ${text}`)
  })

  it('refuses the confidential sentence to beta until alpha\'s policy lets beta read that collection', async () => {
    const res = await echo(DEALS)
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /memory text the executor may not send/)
    const refused = (await audit(alpha)).filter(e => e.type === 'guard.output-refused' && e.data?.dataClass === 'confidential')
    assert.equal(refused.length, 1)
    const policy = defaultFounderPolicy()
    const base = policy.rules[0]!
    policy.rules.push({ ...base, id: 'beta-reads-deals', description: 'Beta may read the deals.', groups: [], peers: [beta.peerId], kinds: ['memory.search'], collections: ['deals'], classes: ['confidential'], direction: 'inbound' })
    await writeFile(homePaths(alpha.home).policy, formatPolicy(policy), { mode: 0o600 })
    const ok = await waitFor(async () => { const r = await echo(DEALS); return r.code === 0 ? r : undefined }, { what: 'alpha to apply the new policy', timeoutMs: 30_000, intervalMs: 500 })
    assert.equal(JSON.parse(ok.stdout).output, DEALS)
    // the local-only sentence stays home whatever the policy says
    assert.notEqual((await echo(BOARD)).code, 0)
  })
})
