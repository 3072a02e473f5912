/**
 * The dashboard's time series (`metrics/series.ts`): each sample says the
 * tokens per second and the latency of the tasks finished since the last,
 * and the load each member reports; the ring forgets the oldest samples and
 * a mesh larger than the cap keeps its busiest members.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MetricSeries, type SeriesModules } from '../../node/metrics/series.ts'
import type { AuditEntry } from '../../node/audit/entry.ts'
import type { StatusSummary } from '../../node/api/modules.ts'

let seq = 0
function entry (type: string, fields: Partial<AuditEntry>): AuditEntry {
  return { type, actor: 'self', seq: seq++, time: 0, prevHash: new Uint8Array(32), hash: new Uint8Array(32), ...fields }
}

function world (caps: Array<Record<string, unknown>> = []): { modules: SeriesModules, emit: (e: AuditEntry) => void, load: { running: number, queued: number, slots: number } } {
  const listeners = new Set<(e: AuditEntry) => void>()
  const load = { running: 0, queued: 0, slots: 4 }
  return {
    load,
    emit: (e) => { for (const l of listeners) l(e) },
    modules: {
      audit: { subscribe: (l) => { listeners.add(l); return () => { listeners.delete(l) } } },
      tasks: { load: () => load },
      node: { status: () => ({ peerId: 'self' }) as StatusSummary, caps: () => caps }
    }
  }
}

describe('MetricSeries', { timeout: 10_000 }, () => {
  it('samples tokens per second, finished tasks and their latency, then starts afresh', () => {
    let now = 10_000
    const w = world()
    const series = new MetricSeries(w.modules, { now: () => now })
    series.start()
    try {
      w.emit(entry('task.received', { task: 'a', peer: 'deleg', data: { kind: 'llm.chat' }, time: 10_000 }))
      w.emit(entry('task.result', { task: 'a', peer: 'deleg', data: { promptTokens: 7, completionTokens: 40 } }))
      w.emit(entry('task.state', { task: 'a', peer: 'deleg', data: { state: 'completed' }, time: 10_300 }))
      w.emit(entry('task.received', { task: 'b', peer: 'self', data: { kind: 'echo', local: true }, time: 10_000 }))
      w.emit(entry('task.state', { task: 'b', peer: 'self', data: { state: 'failed' }, time: 10_100 }))
      w.load.running = 2
      w.load.queued = 1
      now = 12_000
      assert.deepEqual(series.sample(), { t: 12_000, tokensPerSecond: 20, tasks: 2, latencyMs: 200, latencyMaxMs: 300, load: { self: 3 } })
      now = 14_000
      assert.deepEqual(series.sample(), { t: 14_000, tokensPerSecond: 0, tasks: 0, latencyMs: null, latencyMaxMs: null, load: { self: 3 } })
      assert.deepEqual(series.since(12_000).map(s => s.t), [14_000])
      assert.deepEqual(series.since().map(s => s.t), [12_000, 14_000])
    } finally {
      series.stop()
    }
  })

  it('keeps only the newest samples, and the busiest members of a large mesh', () => {
    let now = 0
    const caps = [
      { peerId: 'self', load: { running: 9, queued: 9 } },
      { peerId: 'idle', load: { running: 0, queued: 0 } },
      { peerId: 'busy', load: { running: 3, queued: 2 } },
      { peerId: 'liar', load: { running: -5, queued: 'many' } }
    ]
    const series = new MetricSeries(world(caps).modules, { now: () => now, maxSamples: 3, maxMembers: 2 })
    for (let i = 1; i <= 5; i++) { now = i * 1000; series.sample() }
    assert.deepEqual(series.since().map(s => s.t), [3000, 4000, 5000])
    // this node's own load is read live (0), never from its card; a card's nonsense counts as 0
    assert.deepEqual(series.since(4000)[0]?.load, { self: 0, busy: 5 })
  })
})
