/**
 * The executor runs the output check on what a remote delegator gets: a
 * result carrying a local-only passage ends `failed` with `output-refused`,
 * streamed pieces stop before the passage, and the refusal is audited; a
 * local caller, or a node with nothing restricted, gets its output as ever.
 * Real engine, real echo handler, stub audit log.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TaskEngine } from '../../../node/tasks/executor/executor.ts'
import { TaskKindRegistry } from '../../../node/tasks/registry.ts'
import { echoKind } from '../../../node/tasks/kinds/echo.ts'
import type { AuditLog } from '../../../node/audit/log.ts'
import { createLogger } from '../../../node/logger.ts'
import { FingerprintIndex, OutputCheck } from '../../../node/guard/index.ts'
import type { TaskEvent } from '../../../protocol/task/messages.ts'

const SECRET = 'The Orion merger closes on the ninth of March at forty one dollars a share.'

function engineWith (indexed: string[]): { engine: TaskEngine, entries: Array<{ type: string, data?: Record<string, unknown> }> } {
  const entries: Array<{ type: string, data?: Record<string, unknown> }> = []
  const audit = { append: async (e: { type: string, data?: Record<string, unknown> }) => { entries.push(e); return {} }, writeNow: () => {} }
  const index = new FingerprintIndex()
  if (indexed.length > 0) index.set('board', indexed)
  const outputCheck = new OutputCheck({ index, classOf: () => 'local-only', mayRead: () => true, audit, self: () => 'self', logger: createLogger('test:guard') })
  const registry = new TaskKindRegistry()
  registry.register(echoKind())
  const engine = new TaskEngine({ logger: createLogger('test:engine'), self: () => 'self', registry, audit: audit as unknown as AuditLog, outputCheck })
  engine.start()
  return { engine, entries }
}

/** Runs an echo as if `delegator` had sent it; gives every frame it published. */
async function delegated (engine: TaskEngine, delegator: string, prompt: string, chunks: number): Promise<TaskEvent[]> {
  const handler = echoKind()
  const record = engine.newRecord({ taskId: `t-${Math.random()}`, kind: 'echo', model: undefined, dataClass: 'internal', delegator, seal: b => b })
  await engine.execute(record, handler as never, handler.parseInput({ prompt, chunks }), 'delegated')
  return record.frames
}

const text = (frames: TaskEvent[]): string => frames.filter(f => f.t === 'chunk').map(f => new TextDecoder().decode((f as { data: Uint8Array }).data)).join('')

describe('the executor\'s output check', { timeout: 20_000 }, () => {
  it('refuses a local-only passage to a remote delegator, streamed or whole, and audits it', async () => {
    const { engine, entries } = engineWith([SECRET])
    for (const chunks of [1, 30]) {
      const frames = await delegated(engine, 'peer-b', `Minutes: ${SECRET}`, chunks)
      const last = frames[frames.length - 1]
      assert.equal(last?.t, 'error')
      assert.equal((last as { code: string }).code, 'output-refused')
      assert.equal(frames.some(f => f.t === 'result'), false)
      assert.equal(text(frames).includes('merger closes on the ninth of March'), false, text(frames))
    }
    assert.equal(entries.filter(e => e.type === 'guard.output-refused').length, 2)
    assert.ok(entries.some(e => e.type === 'task.state' && e.data?.code === 'output-refused'))
    engine.stop()
  })

  it('a harmless stream to a remote delegator comes out whole; a local caller is not checked', async () => {
    const { engine } = engineWith([SECRET])
    const prompt = 'Lunch is at noon in the small room on the second floor, bring your own cup.'
    const frames = await delegated(engine, 'peer-b', prompt, 25)
    assert.equal(frames[frames.length - 1]?.t, 'result')
    assert.equal(text(frames), prompt)
    const local = await engine.runLocal({ kind: 'echo', input: { prompt: SECRET }, dataClass: 'internal' })
    assert.equal(local.output, SECRET)
    engine.stop()
  })

  it('with nothing indexed, pieces go out exactly as the handler emitted them', async () => {
    const { engine } = engineWith([])
    const frames = await delegated(engine, 'peer-b', SECRET, 5)
    assert.equal(frames.filter(f => f.t === 'chunk').length, 5)
    assert.equal(text(frames), SECRET)
    engine.stop()
  })
})
