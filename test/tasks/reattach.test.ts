/**
 * A connection dropped mid-task: beta delegates a slow echo to alpha and
 * aborts the connection once output flows. The task keeps running on
 * alpha; beta re-attaches over a new connection and the caller gets the
 * complete output, once, from the same executor, without a failover.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { harness } from '../helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import type { RouteEvent } from '../../node/tasks/index.ts'
import { auditOf, inProcessOrg } from './helpers.ts'

describe('re-attach after a dropped connection', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode

  before(async () => {
    ;[alpha, beta] = await inProcessOrg(h, [{ name: 'alpha' }, { name: 'beta' }])
  })

  it('gets the complete output by re-attaching to the same executor', async () => {
    // pieces of 16 KiB: a frame spans several muxer messages, so the drop can land inside one
    const prompt = Array.from({ length: 40 }, (_, i) => `<${i}>`.padEnd(16 * 1024, '.')).join('')
    const events: RouteEvent[] = []
    let dropped = false
    const res = await beta.services.router.run({
      kind: 'echo',
      peer: alpha.peerId,
      input: { prompt, chunks: 40, delayMs: 50 },
      onEvent: (e) => {
        events.push(e)
        if (!dropped && e.type === 'text' && events.filter(x => x.type === 'text').length === 3) {
          dropped = true
          for (const c of alpha.services.host.getConnections(peerIdFromString(beta.peerId))) c.abort(new Error('connection dropped by the test'))
        }
      }
    })
    assert.ok(dropped, 'the connection was dropped mid-task')
    assert.equal(res.output, prompt, 'the result is complete')
    assert.equal(res.executor, alpha.peerId)
    assert.equal(res.attempts, 1, 'no failover: the same attempt re-attached')
    assert.equal(events.some(e => e.type === 'failover'), false)
    assert.equal(events.some(e => e.type === 'reset'), false, 'no output had to be taken back')
    const text = events.filter(e => e.type === 'text').map(e => (e as { text: string }).text).join('')
    assert.equal(text, prompt, 'streamed text: nothing lost, nothing twice')
    const mine = await auditOf(beta)
    assert.ok(mine.some(e => e.type === 'task.result' && e.task === res.taskId && e.data?.reattached === true), 'beta audits the re-attached result')
    const theirs = await auditOf(alpha)
    assert.equal(theirs.filter(e => e.type === 'task.received' && e.task === res.taskId).length, 1, 'alpha ran it once')
  })
})
