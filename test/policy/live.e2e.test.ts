/**
 * Governance changes apply live: editing `policy.json` on a running node
 * flips a delegation from allowed to denied and back with no restart; an
 * edit that does not parse keeps the policy in force and is reported in
 * `status`, `policy show` and `policy reload`; `policy deny` and `policy rm`
 * edit the file for people who do not write JSON; every reload is audited.
 * Two separate `mycel start` processes on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'

type Outcome = { type: string, output?: string, error?: { wire?: string, message?: string } }

async function echo (from: MycelProcess, to: MycelProcess, prompt: string): Promise<Outcome> {
  const res = await from.request<string>('POST', '/api/tasks', { body: { kind: 'echo', input: { prompt }, peer: to.peerId } })
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body)
  return JSON.parse(text.trim().split('\n').at(-1) as string) as Outcome
}

/** The founder default, with or without `echo` among the kinds members may run, and with another rate limit. */
function policyText (echoAllowed: boolean, rate?: string): string {
  const policy = defaultFounderPolicy()
  const rule = policy.rules[0]
  if (rule != null) rule.kinds = echoAllowed ? ['llm.*', 'echo'] : ['llm.*']
  const file = JSON.parse(formatPolicy(policy))
  if (rate != null) file.rateLimits.default = rate
  return JSON.stringify(file, null, 2)
}

describe('live policy on a running node', { timeout: 180_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let policyPath: string

  before(async () => {
    const alphaHome = await h.found('acme', 'alpha')
    policyPath = join(alphaHome, 'policy.json')
    await writeFile(policyPath, policyText(true))
    alpha = await h.start(alphaHome)
    beta = await h.start(await h.join(await h.invite(alpha), 'beta'))
    await waitFor(async () => (await beta.capIds()).includes(alpha.peerId), { what: 'beta to hold alpha\'s card', timeoutMs: 60_000 })
  })

  it('an edit on disk denies a delegation, and the next one allows it again, with no restart', async () => {
    const pid = alpha.api.pid
    assert.equal((await echo(beta, alpha, 'before')).output, 'before')

    await writeFile(policyPath, policyText(false))
    await waitFor(async () => (await echo(beta, alpha, 'denied?')).error?.wire === 'denied', { what: 'the edit to deny echo to take effect', timeoutMs: 30_000 })

    await writeFile(policyPath, policyText(true))
    await waitFor(async () => (await echo(beta, alpha, 'again')).output === 'again', { what: 'the edit to allow echo again to take effect', timeoutMs: 30_000 })
    assert.equal(alpha.api.pid, pid)
    assert.ok(alpha.running)
  })

  it('a broken edit keeps the policy in force and says why, until a good one replaces it', async () => {
    await writeFile(policyPath, '{ "version": 1, "rules": [ { "id": "oops", ')
    await waitFor(async () => (await alpha.status()).policyError != null, { what: 'status to report the refused edit', timeoutMs: 30_000 })
    const status = await alpha.status()
    assert.match(status.policyError ?? '', /policy\.json/)
    // the policy in force is still the one that allows echo
    assert.equal((await echo(beta, alpha, 'still')).output, 'still')

    const shown = await h.cli(alpha.home, ['policy', 'show'])
    assert.equal(shown.code, 0)
    assert.match(shown.stdout, /refused the edit on disk and keeps the policy below: .*policy\.json/)
    const reload = await h.cli(alpha.home, ['policy', 'reload', '--json'])
    assert.equal(reload.code, 1)
    assert.equal(reload.json<{ ok: boolean }>().ok, false)

    await writeFile(policyPath, policyText(true))
    await waitFor(async () => (await alpha.status()).policyError == null, { what: 'the good edit to clear the report', timeoutMs: 30_000 })
    const again = await h.cli(alpha.home, ['policy', 'reload'])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /Policy (unchanged|reloaded): 1 rules in force/)
  })

  it('mycel policy deny and rm on the running node flip a delegation with no JSON written by hand', async () => {
    const deny = await h.cli(alpha.home, ['policy', 'deny', '--peer', beta.peerId, '--kind', 'echo', '--id', 'no-echo-from-beta'])
    assert.equal(deny.code, 0, deny.stderr)
    await waitFor(async () => (await echo(beta, alpha, 'x')).error?.wire === 'denied', { what: 'policy deny to take effect', timeoutMs: 30_000 })
    const rm = await h.cli(alpha.home, ['policy', 'rm', 'no-echo-from-beta'])
    assert.equal(rm.code, 0, rm.stderr)
    await waitFor(async () => (await echo(beta, alpha, 'back')).output === 'back', { what: 'policy rm to take effect', timeoutMs: 30_000 })
    const shown = (await h.cli(alpha.home, ['policy', 'show', '--json'])).json<{ rules: Array<{ id: string }> }>()
    assert.deepEqual(shown.rules.map(r => r.id), ['members-llm-echo'])
  })

  it('a rate limit set live refuses the task over it with busy, and the refusal is audited', async () => {
    await writeFile(policyPath, policyText(true, '3/hour'))
    await waitFor(async () => (await alpha.get<{ rateLimits: { default: string } }>('/api/policy')).rateLimits.default === '3/hour', { what: 'the rate limit to take effect', timeoutMs: 30_000 })
    const outcomes: Outcome[] = []
    for (let i = 0; i < 4; i++) outcomes.push(await echo(beta, alpha, `r${i}`))
    assert.deepEqual(outcomes.slice(0, 3).map(o => o.output), ['r0', 'r1', 'r2'])
    assert.equal(outcomes[3]?.error?.wire, 'busy')
    const tail = await alpha.get<Array<{ type: string, peer?: string, data?: Record<string, unknown> }>>('/api/audit/tail?n=50')
    const refusal = tail.find(e => e.type === 'task.state' && e.data?.rule === 'rate-limit')
    assert.equal(refusal?.peer, beta.peerId)
    assert.ok(Number(refusal?.data?.retryAfterMs) > 0)
    await writeFile(policyPath, policyText(true))
    await waitFor(async () => (await echo(beta, alpha, 'free')).output === 'free', { what: 'the default rate again', timeoutMs: 30_000 })
  })

  it('every reload is in the audit log with the file digest, never its text', async () => {
    const tail = await alpha.get<Array<{ type: string, data?: Record<string, unknown> }>>('/api/audit/tail?n=200')
    const reloads = tail.filter(e => e.type === 'policy.reload')
    assert.ok(reloads.some(e => e.data?.ok === true), 'a reload that took effect')
    assert.ok(reloads.some(e => e.data?.ok === false), 'a refused edit')
    for (const e of reloads) {
      assert.ok(typeof e.data?.digest === 'string')
      assert.ok(!JSON.stringify(e).includes('members-llm-echo'), 'no policy text in the audit log')
    }
  })
})
