/**
 * What the executor keeps for re-attach is bounded: finished tasks' frames
 * count against a byte budget and the oldest finished go first; running
 * tasks are never evicted; the sweep forgets tasks past their retention.
 * The engine test runs real handlers with a stub audit log.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TaskRecords, type TaskRecord } from '../../../node/tasks/executor/records.ts'
import { TaskEngine } from '../../../node/tasks/executor/executor.ts'
import { TaskKindRegistry } from '../../../node/tasks/registry.ts'
import { echoKind } from '../../../node/tasks/kinds/echo.ts'
import type { AuditLog } from '../../../node/audit/log.ts'
import { createLogger } from '../../../node/logger.ts'

const MB = 1024 * 1024

function record (taskId: string, bytes: number, updatedAt = Date.now()): TaskRecord {
  return {
    taskId, kind: 'echo', dataClass: 'internal', delegator: 'peer', executor: 'self', state: 'completed', createdAt: updatedAt, updatedAt,
    frames: [{ v: 1, t: 'result', taskId, seq: 1, data: new Uint8Array(bytes) }], frameBytes: bytes,
    lastSeq: 1, controller: new AbortController(), waiters: [], pendingAudit: [], seal: b => b
  }
}

describe('retained task frames', () => {
  it('evicts the oldest finished tasks past the byte budget', () => {
    const records = new TaskRecords({ retentionMs: 600_000, retainedMaxBytes: 3 * MB })
    const ids = ['a', 'b', 'c', 'd', 'e']
    for (const id of ids) { const r = record(id, MB); records.add(r); records.finished(r) }
    assert.deepEqual(records.retained(), { tasks: 3, bytes: 3 * MB })
    assert.deepEqual(ids.map(id => records.get('peer', id) != null), [false, false, true, true, true], 'the two oldest went')
  })

  it('keeps a running task whatever it holds, and counts it once it is final', () => {
    const records = new TaskRecords({ retentionMs: 600_000, retainedMaxBytes: MB })
    const running = { ...record('run', 2 * MB), state: 'working' as const }
    records.add(running)
    const done = record('done', MB / 2)
    records.add(done)
    records.finished(done)
    assert.ok(records.get('peer', 'run') != null)
    assert.deepEqual(records.retained(), { tasks: 1, bytes: MB / 2 })
    running.state = 'completed' as never
    records.finished(running)
    assert.equal(records.get('peer', 'done'), undefined, 'the older finished task made room')
    assert.equal(records.get('peer', 'run'), undefined, 'and one alone over the budget is not kept either')
    assert.deepEqual(records.retained(), { tasks: 0, bytes: 0 })
  })

  it('sweeps finished tasks past their retention', () => {
    const records = new TaskRecords({ retentionMs: 1_000, retainedMaxBytes: 100 * MB })
    const now = Date.now()
    const old = record('old', 10, now - 5_000)
    const fresh = record('fresh', 10, now)
    for (const r of [old, fresh]) { records.add(r); records.finished(r) }
    assert.equal(records.sweep(now), 1)
    assert.equal(records.get('peer', 'old'), undefined)
    assert.ok(records.get('peer', 'fresh') != null)
  })

  it('bounds what an engine keeps after many large tasks', async () => {
    const registry = new TaskKindRegistry()
    registry.register(echoKind())
    const audit = { append: async () => ({}), writeNow: () => {} } as unknown as AuditLog
    const engine = new TaskEngine({ logger: createLogger('test:engine'), self: () => 'self', registry, audit }, { retainedMaxBytes: 2 * MB })
    engine.start()
    const prompt = 'x'.repeat(256 * 1024)
    for (let i = 0; i < 40; i++) {
      const out = await engine.runLocal({ kind: 'echo', input: { prompt, chunks: 4 }, dataClass: 'internal' })
      assert.equal(out.output, prompt)
    }
    const kept = engine.records.retained()
    assert.ok(kept.bytes <= 2 * MB, `kept ${kept.bytes} bytes`)
    assert.ok(kept.tasks >= 1 && kept.tasks < 40)
    engine.stop()
  })
})
