/**
 * The executor's audit writes overlap the work, but its result never leaves
 * before they are on disk. Three nodes in this process over real libp2p on
 * 127.0.0.1: delta delegates `echo`; alpha's audit store fails the write
 * that carries the task's result (the disk going away between the work and
 * the result, as a crash would); beta is healthy. Delta sees alpha's
 * attempt fail and gets its one result from beta; alpha's log still
 * verifies and holds no result entry for the task, and alpha sent no result.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness, type Harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import type { RouteEvent } from '../../node/tasks/index.ts'
import type { AuditEntryInput } from '../../node/audit/entry.ts'

/** Makes every level batch written after a `task.result` entry is appended fail, as a vanished disk would. */
function failResultWrites (node: MycelNode): void {
  const audit = node.services.audit
  const db = (audit as unknown as { stores: { db: { batch: () => { write: () => Promise<void>, close: () => Promise<void> } } } }).stores.db
  let failing = false
  const batch = db.batch.bind(db)
  db.batch = () => {
    const b = batch()
    if (failing) b.write = async () => { await b.close(); throw new Error('injected: the disk went away') }
    return b
  }
  const append = audit.append.bind(audit)
  audit.append = async (entry: AuditEntryInput) => {
    if (entry.type === 'task.result') failing = true
    return await append(entry)
  }
}

describe('an executor whose audit write fails between work and result', { timeout: 240_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode
  let delta: MycelNode

  before(async () => {
    const alphaHome = await h.found('acme', 'alpha', { inProcess: true })
    alpha = await h.node(alphaHome, { runtime: false })
    const [betaHome, deltaHome] = await Promise.all([
      h.join(await h.invite(alphaHome, { inProcess: true }), 'beta', { inProcess: true }),
      h.join(await h.invite(alphaHome, { inProcess: true }), 'delta', { inProcess: true })
    ])
    beta = await h.node(betaHome, { runtime: false })
    delta = await h.node(deltaHome, { runtime: false })
    await waitFor(() => [alpha.peerId, beta.peerId].every(id => delta.services.cards.card(id) != null && delta.services.gate.member(id) != null) &&
      [alpha, beta].every(n => n.services.gate.member(delta.peerId) != null), { what: 'delta to hold the cards of alpha and beta', timeoutMs: 120_000 })
    // delta tries alpha first and never runs echo itself
    const router = delta.services.router
    const original = router.candidates.bind(router)
    router.candidates = (spec) => original(spec).filter(c => !c.local).sort((a, b) => Number(b.peerId === alpha.peerId) - Number(a.peerId === alpha.peerId))
    failResultWrites(alpha)
  })

  it('fails over to a healthy executor; the failed one sent no result and its log verifies', async () => {
    const events: RouteEvent[] = []
    const res = await delta.services.router.run({ kind: 'echo', input: { prompt: 'audited before it leaves' }, onEvent: e => { events.push(e) } })
    assert.equal(res.output, 'audited before it leaves')
    assert.equal(res.executor, beta.peerId)
    assert.deepEqual(events.filter(e => e.type === 'routed').map(e => (e as { executor: string }).executor), [alpha.peerId, beta.peerId])
    assert.ok(events.some(e => e.type === 'failover' && e.from === alpha.peerId), 'delta saw alpha fail and moved on')

    const entries = await alpha.services.audit.byTask(res.taskId)
    assert.ok(entries.some(e => e.type === 'task.received'), 'what alpha wrote before the failure is on disk')
    assert.ok(!entries.some(e => e.type === 'task.result'), 'no result entry reached alpha\'s disk')
    const task = alpha.services.executor.list().find(t => t.taskId === res.taskId)
    assert.equal(task?.state, 'failed', 'alpha failed the task rather than answer it')
    const verified = await alpha.services.audit.verify()
    assert.equal(verified.ok, true, JSON.stringify(verified.firstBad))
    // delta's own record of the task is complete: sent twice, one result
    const mine = await delta.services.audit.byTask(res.taskId)
    assert.deepEqual(mine.filter(e => e.type === 'task.sent').map(e => e.peer), [alpha.peerId, beta.peerId])
    assert.deepEqual(mine.filter(e => e.type === 'task.result').map(e => e.peer), [beta.peerId])
  })
})
