/**
 * A task touching a `local-only` collection never leaves the node, even
 * while the node is busy and another member is free: alpha classes
 * `secret` local-only, runs one task at a time and is occupied; a task
 * naming `secret` (stating no class, or a laxer one) waits and runs on
 * alpha once it is free. Nothing is sent to beta, which serves the kind and
 * is idle.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { setCollectionClass } from '../../node/memory/classes.ts'
import { auditOf, inProcessOrg } from './helpers.ts'

describe('a task touching a local-only collection', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode

  before(async () => {
    ;[alpha, beta] = await inProcessOrg(h, [
      { name: 'alpha', init: { executor: { maxRunning: 1, maxQueued: 0 } }, beforeStart: async (home) => { await setCollectionClass(join(home, 'collections.json'), 'secret', 'local-only') } },
      { name: 'beta' }
    ])
  })

  /** Occupies alpha's only slot until the returned function is called. */
  async function occupyAlpha (): Promise<() => Promise<void>> {
    const controller = new AbortController()
    const running = alpha.services.router.run({ kind: 'echo', local: true, input: { prompt: 'x'.repeat(200), chunks: 200, delayMs: 200 }, signal: controller.signal }).catch(() => {})
    await waitFor(() => alpha.services.executor.load().running === 1, { what: 'alpha to be busy' })
    return async () => { controller.abort(); await running }
  }

  for (const stated of [undefined, 'internal'] as const) {
    it(`waits for the busy node instead of delegating (class stated: ${stated ?? 'none'})`, async () => {
      const release = await occupyAlpha()
      let released = false
      try {
        const routed: string[] = []
        let taskId = ''
        const run = alpha.services.router.run({
          kind: 'echo',
          collection: 'secret',
          ...(stated != null ? { dataClass: stated } : {}),
          input: { prompt: 'merger notes' },
          onEvent: e => { if (e.type === 'routed') { routed.push(e.executor); taskId = e.taskId } }
        })
        // alpha refused it as busy at least once, then is freed while the router waits
        await waitFor(async () => (await auditOf(alpha, 50)).some(e => e.task === taskId && e.data?.code === 'busy'), { what: 'alpha to find itself busy' })
        await release()
        released = true
        const res = await run
        assert.equal(res.output, 'merger notes')
        assert.equal(res.executor, alpha.peerId)
        assert.ok(routed.length >= 2 && routed.every(p => p === alpha.peerId), `every attempt on alpha: ${JSON.stringify(routed)}`)
        const mine = await auditOf(alpha)
        assert.equal(mine.some(e => e.type === 'task.sent' && e.task === res.taskId), false, 'nothing was sent')
        assert.equal((await auditOf(beta)).some(e => e.task === res.taskId), false, 'beta never heard of it')
      } finally {
        if (!released) await release()
      }
    })
  }
})
