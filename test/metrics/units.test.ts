/**
 * Unit tests of the pieces behind `/metrics` and `/ready`: folding audit
 * entries into task outcomes, the readiness checks, and the test's own
 * exposition parser (it must refuse what a scraper would).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TaskFold } from '../../node/metrics/task-fold.ts'
import { failingChecks } from '../../node/http/health.ts'
import type { AuditEntry } from '../../node/audit/entry.ts'
import type { StatusSummary } from '../../node/api/modules.ts'
import { parseExposition, sampleValue } from './exposition.ts'

let seq = 0
function entry (type: string, fields: Partial<AuditEntry>): AuditEntry {
  return { type, actor: 'self', seq: seq++, time: 1000, prevHash: new Uint8Array(32), hash: new Uint8Array(32), ...fields }
}

describe('TaskFold', () => {
  it('turns a delegated task into one outcome with its duration', () => {
    const fold = new TaskFold()
    assert.deepEqual(fold.add(entry('task.sent', { task: 't1', peer: 'exec', data: { kind: 'echo' }, time: 1000 })), [])
    assert.deepEqual(fold.add(entry('task.result', { task: 't1', peer: 'exec', data: { state: 'completed' }, time: 1250 })), [
      { type: 'task', kind: 'echo', role: 'delegator', state: 'completed', durationMs: 250, peer: 'exec' }
    ])
    // a late entry of the finished task counts nothing more
    assert.deepEqual(fold.add(entry('task.state', { task: 't1', peer: 'exec', data: { state: 'failed' } })), [])
  })

  it('tells executed from local tasks, and counts the executor\'s tokens once', () => {
    const fold = new TaskFold()
    fold.add(entry('task.received', { task: 't2', peer: 'deleg', data: { kind: 'llm.chat' } }))
    fold.add(entry('task.received', { task: 't3', peer: 'self', data: { kind: 'echo', local: true } }))
    assert.deepEqual(fold.add(entry('task.result', { task: 't2', peer: 'deleg', data: { promptTokens: 3, completionTokens: 5 } })), [{ type: 'tokens', kind: 'llm.chat', prompt: 3, completion: 5 }])
    assert.equal((fold.add(entry('task.state', { task: 't2', peer: 'deleg', data: { state: 'completed' } }))[0] as { role: string }).role, 'executor')
    assert.equal((fold.add(entry('task.state', { task: 't3', peer: 'self', data: { state: 'canceled' } }))[0] as { role: string }).role, 'local')
  })

  it('ends an inbound denial as rejected and counts outbound denials without a task', () => {
    const fold = new TaskFold()
    fold.add(entry('task.received', { task: 't4', peer: 'deleg', data: { kind: 'echo' } }))
    const events = fold.add(entry('policy.decision', { task: 't4', peer: 'deleg', data: { allow: false, direction: 'inbound', kind: 'echo' } }))
    assert.deepEqual(events.map(e => e.type === 'task' ? e.state : e.type), ['denied', 'rejected'])
    assert.deepEqual(fold.add(entry('policy.decision', { task: 't5', peer: 'exec', data: { allow: false, direction: 'outbound', kind: 'echo' } })), [{ type: 'denied', kind: 'echo', direction: 'outbound' }])
  })

  it('caps the kinds it labels and the tasks it remembers', () => {
    const fold = new TaskFold({ maxKinds: 2, maxTracked: 2 })
    for (const [i, kind] of ['a', 'b', 'c'].entries()) fold.add(entry('task.received', { task: `k${i}`, peer: 'p', data: { kind } }))
    // k0 was forgotten (three tracked, two kept); c shares the label `other`
    assert.deepEqual(fold.add(entry('task.state', { task: 'k0', peer: 'p', data: { state: 'completed' } })), [])
    assert.equal((fold.add(entry('task.state', { task: 'k2', peer: 'p', data: { state: 'completed' } }))[0] as { kind: string }).kind, 'other')
  })
})

describe('readiness checks', () => {
  const status = (over: Partial<StatusSummary>): StatusSummary => ({
    peerId: 'p', name: 'n', org: { name: 'o', id: 'i' }, addresses: ['/ip4/127.0.0.1/tcp/1'], api: '', peers: 0, uptimeMs: 0,
    groups: [], certExpiresAt: null, admin: false, revoked: false, cards: { known: 1, rejected: {} }, revocationSeq: 0, ...over
  })
  const policy = { current: () => ({}) as never }

  it('passes a node on the mesh with a valid membership and a policy', () => {
    assert.deepEqual(failingChecks({ node: { status: () => status({}), peers: async () => [], caps: () => [] }, policy }), [])
  })

  it('names what is missing', () => {
    const node = { status: () => status({ addresses: [], certExpiresAt: 10 }), peers: async () => [], caps: () => [] }
    assert.deepEqual(failingChecks({ node, policy: { current: () => { throw new Error('no policy') } } }, 20), ['mesh', 'membership', 'policy'])
  })
})

describe('the test\'s exposition parser', () => {
  const good = '# HELP x_total A counter\n# TYPE x_total counter\nx_total{a="q\\"uote",b="1"} 3\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n'

  it('reads a valid exposition', () => {
    const f = parseExposition(good)
    assert.deepEqual(f.get('x_total')?.samples, [{ name: 'x_total', labels: { a: 'q"uote', b: '1' }, value: 3 }])
    assert.equal(f.get('h')?.samples.length, 4)
    // labelled histograms keep each series apart (the package alone folds them into one)
    const labelled = parseExposition('# HELP h d\n# TYPE h histogram\nh_bucket{le="0.5",k="a"} 1\nh_bucket{le="+Inf",k="a"} 2\nh_sum{k="a"} 0.7\nh_count{k="a"} 2\nh_bucket{le="0.5",k="b"} 0\nh_bucket{le="+Inf",k="b"} 1\nh_sum{k="b"} 3\nh_count{k="b"} 1\n')
    assert.equal(sampleValue(labelled, 'h_count', { k: 'a' }), 2)
    assert.equal(sampleValue(labelled, 'h_bucket', { k: 'b', le: '0.5' }), 0)
    assert.equal(labelled.get('h')?.help, 'd')
  })

  it('refuses what a scraper would', () => {
    const bad = [
      good.slice(0, -1), // no final newline
      'x 1\n', // no TYPE
      '# TYPE x counter\nx{a=1} 1\n', // unquoted label value
      '# TYPE x counter\nx one\n', // not a number
      '# TYPE x counter\nx 1\n# TYPE x counter\n', // a second TYPE
      '# TYPE x counter\nx{a="1"} 1\nx{a="1"} 2\n', // duplicate series
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // buckets decreasing
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf bucket
      '# TYPE h histogram\nh_bucket{le="1",k="a"} 1\nh_bucket{le="+Inf",k="a"} 1\nh_sum{k="a"} 1\nh_count{k="a"} 1\nh_bucket{le="+Inf",k="b"} 1\nh_sum{k="b"} 1\n', // a labelled series without _count
      '# TYPE x counter\nx{a="1} 1\n' // an unterminated label value
    ]
    for (const text of bad) assert.throws(() => parseExposition(text), Error, JSON.stringify(text))
  })
})
