/**
 * A delegate_task result leaves only after the progress notifications it
 * streamed are written, so a client reads them first; a stalled transport
 * does not hold it back for long.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runTask, type Extra } from '../../node/mcp/tools.ts'
import type { MeshAccess, MeshTaskResult } from '../../node/mcp/access.ts'

const RESULT: MeshTaskResult = { taskId: 'a'.repeat(32), executor: 'peer', output: 'one two' }

/** A mesh whose task streams `pieces`, then gives RESULT. */
function meshStreaming (pieces: string[]): MeshAccess {
  const run: MeshAccess['run'] = async (_task, opts) => { for (const p of pieces) opts?.onText?.(p); return RESULT }
  return { run } as unknown as MeshAccess
}

describe('delegate_task progress before its result', { timeout: 10_000 }, () => {
  it('the result waits until every notification is written, in order', async () => {
    const sent: Array<{ message: string, written: PromiseWithResolvers<void> }> = []
    const extra: Extra = {
      signal: new AbortController().signal,
      _meta: { progressToken: 7 },
      sendNotification: async (n: { params: { message: string, progressToken: number } }) => {
        assert.equal(n.params.progressToken, 7)
        const written = Promise.withResolvers<void>()
        sent.push({ message: n.params.message, written })
        await written.promise
      }
    }
    let settled = false
    const result = runTask(meshStreaming(['one ', 'two']), { kind: 'echo', input: {} } as never, extra).then(r => { settled = true; return r })
    await new Promise(resolve => setTimeout(resolve, 30))
    assert.deepEqual(sent.map(s => s.message), ['one ', 'two'])
    assert.equal(settled, false, 'no result while a notification is unwritten')
    sent[0]?.written.resolve()
    await new Promise(resolve => setTimeout(resolve, 30))
    assert.equal(settled, false, 'nor while the last one is')
    sent[1]?.written.resolve()
    assert.deepEqual(await result, RESULT)
  })

  it('without a progress token nothing is sent and the result goes at once', async () => {
    let notified = 0
    const extra: Extra = { signal: new AbortController().signal, sendNotification: async () => { notified++ } }
    assert.deepEqual(await runTask(meshStreaming(['x']), { kind: 'echo', input: {} } as never, extra), RESULT)
    assert.equal(notified, 0)
  })
})
