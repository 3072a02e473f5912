/**
 * `/health`, `/ready` and `/metrics` on real `mycel start` processes: beta
 * delegates an echo task to alpha over the mesh, and both nodes' task
 * counters, latency histograms and audit counters move. The exposition is
 * read with a Prometheus text parser (parse-prometheus-text-format) and the
 * checks a scraper adds; each task is one line on the node's output.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { parseExposition, sampleValue, type Family } from './exposition.ts'

describe('health, readiness and Prometheus metrics of a node', { timeout: 180_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess

  before(async () => {
    // DEBUG=mycel:task: each node also says something per task on its debug log
    alpha = await h.start(await h.found('acme', 'alpha'), { env: { DEBUG: 'mycel:task' } })
    beta = await h.start(await h.join(await h.invite(alpha), 'beta'), { env: { DEBUG: 'mycel:task' } })
    await Promise.all([alpha, beta].map(async n => await waitFor(async () => (await n.caps()).length === 2, { what: `both cards at ${n.home}`, timeoutMs: 60_000 })))
  })

  async function scrape (node: MycelProcess): Promise<Map<string, Family>> {
    const res = await fetch(`${node.api.url}/metrics`, { headers: { authorization: `Bearer ${node.api.token}` }, signal: AbortSignal.timeout(30_000) })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    return parseExposition(await res.text())
  }

  it('answers /health without a token and without detail', async () => {
    const res = await beta.request('GET', '/health', { token: null })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })

  it('answers /ready with 200 on a started node that is on the mesh', async () => {
    for (const n of [alpha, beta]) {
      const res = await n.request('GET', '/ready', { token: null })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, { status: 'ready' })
    }
  })

  it('keeps /metrics behind the API token', async () => {
    assert.equal((await beta.request('GET', '/metrics', { token: null })).status, 401)
    assert.equal((await beta.request('GET', '/metrics', { token: 'wrong' })).status, 401)
  })

  it('serves valid exposition text whose task counters move after a delegated task', async () => {
    const before = { beta: await scrape(beta), alpha: await scrape(alpha) }
    const delegator = { kind: 'echo', role: 'delegator', state: 'completed' }
    const executor = { kind: 'echo', role: 'executor', state: 'completed' }
    assert.equal(sampleValue(before.beta, 'mycel_cards_known', {}), 2)
    assert.equal(sampleValue(before.beta, 'mycel_executor_slots', {}) > 0, true)
    assert.equal(before.beta.get('mycel_tasks_total')?.type, 'counter')
    assert.equal(before.beta.get('mycel_task_duration_seconds')?.type, 'histogram')

    const res = await beta.request('POST', '/api/tasks', { body: { kind: 'echo', input: { prompt: 'count me', chunks: 2 }, peer: alpha.peerId } })
    assert.equal(res.status, 200)
    assert.match(String(res.body), /"type":"result"/)

    const now = { beta: await scrape(beta), alpha: await scrape(alpha) }
    assert.equal(sampleValue(now.beta, 'mycel_tasks_total', delegator), sampleValue(before.beta, 'mycel_tasks_total', delegator) + 1)
    assert.equal(sampleValue(now.alpha, 'mycel_tasks_total', executor), sampleValue(before.alpha, 'mycel_tasks_total', executor) + 1)
    const count = (f: Map<string, Family>, role: string): number => sampleValue(f, 'mycel_task_duration_seconds_count', { kind: 'echo', role })
    assert.equal(count(now.beta, 'delegator'), count(before.beta, 'delegator') + 1)
    assert.equal(count(now.alpha, 'executor'), count(before.alpha, 'executor') + 1)
    // the executor counts the tokens echo reports (its prompt length)
    const tokens = { kind: 'echo', type: 'completion' }
    assert.equal(sampleValue(now.alpha, 'mycel_tokens_total', tokens), sampleValue(before.alpha, 'mycel_tokens_total', tokens) + 'count me'.length)
    // one line per task on start's output (a service's journal) and on DEBUG=mycel:task: kind, role, state, duration, peer; never content
    const line = (role: string, peer: string): RegExp => new RegExp(`task echo ${role} completed \\d+(ms|\\.\\d\\ds) peer ${peer}`)
    await waitFor(() => line('delegator', alpha.peerId).test(beta.stdout) && line('executor', beta.peerId).test(alpha.stdout), { what: 'task lines on stdout' })
    await waitFor(() => new RegExp(`mycel:task ${line('delegator', alpha.peerId).source}`).test(beta.stderr), { what: 'the debug line' })
    for (const out of [alpha.stdout, alpha.stderr, beta.stdout, beta.stderr]) assert.doesNotMatch(out, /count me/)
    const sent = { type: 'task.sent' }
    assert.equal(sampleValue(now.beta, 'mycel_audit_appends_total', sent), sampleValue(before.beta, 'mycel_audit_appends_total', sent) + 1)
  })

  it('counts a task the policy denies', async () => {
    const denied = { kind: 'memory.search', direction: 'outbound' }
    const before = await scrape(beta)
    const res = await beta.request('POST', '/api/tasks', { body: { kind: 'memory.search', input: { query: 'x' }, peer: alpha.peerId } })
    assert.equal(res.status, 403, JSON.stringify(res.body))
    const now = await scrape(beta)
    assert.equal(sampleValue(now, 'mycel_policy_denials_total', denied), sampleValue(before, 'mycel_policy_denials_total', denied) + 1)
  })
})
