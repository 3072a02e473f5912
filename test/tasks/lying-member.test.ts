/**
 * Members that lie on their cards: all four nodes serve echo with zero
 * load, but the two that delta would try first do not honour their claim.
 * One answers every task "malformed" (its handler refuses any input); the
 * other answers with output that does not open (hand-made frames). Delta's
 * task fails over to the honest member and completes; both liars are
 * demoted (a decaying penalty), their failures counted in `peerHealth()`,
 * and the next task goes to the honest member first.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { harness } from '../helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import type { RouteEvent } from '../../node/tasks/index.ts'
import { echoKind } from '../../node/tasks/kinds/echo.ts'
import { InvalidTaskInputError } from '../../node/tasks/errors.ts'
import { frame } from '../../node/streams.ts'
import { openSignedRecord } from '../../identity/signed-record.ts'
import { decodeTaskCall, decodeTaskRequest, encodeTaskFrame, MAX_TASK_FRAME_BYTES, TASK_PROTOCOL, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE } from '../../protocol/task/messages.ts'
import { inProcessOrg } from './helpers.ts'

describe('a member whose card lies', () => {
  const h = harness({ after })
  let nodes: MycelNode[]
  let delta: MycelNode
  let refuser: MycelNode
  let garbler: MycelNode
  let honest: MycelNode

  before(async () => {
    nodes = await inProcessOrg(h, [{ name: 'delta' }, { name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }])
    delta = nodes[0]!
    const router = delta.services.router!
    const original = router.candidates.bind(router)
    // delta serves echo too and would run it itself: make it a pure delegator
    router.candidates = (spec) => original(spec).filter(c => !c.local)
    // the two delta ranks first become the liars
    const order = router.candidates({ kind: 'echo' }).map(c => nodes.find(n => n.peerId === c.peerId)!)
    ;[refuser, garbler, honest] = order as [MycelNode, MycelNode, MycelNode]
    refuser.services.tasks.register({ ...echoKind(), run: async () => { throw new InvalidTaskInputError('no such model here') } })
    await garbler.services.host.unhandle(TASK_PROTOCOL)
    await garbler.services.host.handle(TASK_PROTOCOL, async (stream) => {
      const framed = frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
      const call = await framed.read(decodeTaskCall)
      if (call.t !== 'submit') { framed.reset(new Error('only submits')); return }
      const opened = openSignedRecord(call.request, { domain: TASK_REQUEST_DOMAIN, payloadType: TASK_REQUEST_TYPE, maxBytes: MAX_TASK_FRAME_BYTES })
      const { taskId } = decodeTaskRequest(opened.payload)
      await framed.write(encodeTaskFrame({ v: 1, t: 'state', taskId, state: 'working' }))
      await framed.write(encodeTaskFrame({ v: 1, t: 'chunk', taskId, seq: 1, data: randomBytes(64) }))
      await framed.close()
    })
  })

  it('fails over to the honest member, demotes the liars and counts their failures', async () => {
    const events: RouteEvent[] = []
    const res = await delta.services.router.run({ kind: 'echo', input: { prompt: 'who tells the truth?', chunks: 3 }, onEvent: e => { events.push(e) } })
    assert.equal(res.output, 'who tells the truth?')
    assert.equal(res.executor, honest.peerId)
    const routed = events.filter(e => e.type === 'routed').map(e => (e as { executor: string }).executor)
    assert.deepEqual(routed, [refuser.peerId, garbler.peerId, honest.peerId])
    assert.equal(events.filter(e => e.type === 'failover').length, 2)
    const text = events.filter(e => e.type === 'text').map(e => (e as { text: string }).text).join('')
    assert.equal(text, 'who tells the truth?', 'nothing of the garbage reached the caller')

    const health = new Map(delta.services.router.peerHealth().map(p => [p.peerId, p]))
    assert.equal(health.get(refuser.peerId)?.failures.claim, 1)
    assert.equal(health.get(garbler.peerId)?.failures.malformed, 1)
    assert.ok((health.get(refuser.peerId)?.penalty ?? 0) > 0 && (health.get(garbler.peerId)?.penalty ?? 0) > 0, 'both carry a penalty')
    assert.equal(health.has(honest.peerId), false, 'the honest member has no failures')
  })

  it('sends the next unpinned task to the honest member first', async () => {
    assert.equal(delta.services.router.candidates({ kind: 'echo' })[0]?.peerId, honest.peerId)
    const routed: string[] = []
    const res = await delta.services.router.run({ kind: 'echo', input: { prompt: 'again' }, onEvent: e => { if (e.type === 'routed') routed.push(e.executor) } })
    assert.equal(res.output, 'again')
    assert.deepEqual(routed, [honest.peerId])
  })
})
