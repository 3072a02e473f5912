/**
 * An executor killed with SIGKILL mid-stream: alpha and beta are `mycel
 * start` processes serving `echo`; delta, the delegator, runs in this process
 * (so it can be told not to run echo itself). Whichever executor delta picks
 * is killed once output flows; delta fails over to the other and the caller
 * gets exactly one result, complete, with the streamed text neither
 * duplicated nor missing.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import type { RouteEvent } from '../../node/tasks/index.ts'

describe('failover after an executor is killed mid-stream', () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let delta: MycelNode

  before(async () => {
    const alphaHome = await h.found('acme', 'alpha')
    alpha = await h.start(alphaHome)
    const betaHome = await h.join(await h.invite(alpha), 'beta')
    beta = await h.start(betaHome)
    const deltaHome = await h.join(await h.invite(alpha), 'delta', { inProcess: true })
    delta = await h.node(deltaHome, { runtime: false })
    await waitFor(() => [alpha.peerId, beta.peerId].every(id => delta.services.cards.card(id) != null && delta.services.gate.member(id) != null), { what: 'delta to hold the cards of alpha and beta', timeoutMs: 90_000 })
    // delta serves echo too and would run it itself: make it a pure delegator
    const router = delta.services.router
    const original = router.candidates.bind(router)
    router.candidates = (spec) => original(spec).filter(c => !c.local)
  })

  it('returns exactly one complete result from the surviving executor', async () => {
    const prompt = Array.from({ length: 60 }, (_, i) => `<${i}>`).join('')
    const events: RouteEvent[] = []
    let killed: MycelProcess | undefined
    const run = delta.services.router.run({
      kind: 'echo',
      input: { prompt, chunks: 60, delayMs: 100 },
      onEvent: (e) => {
        events.push(e)
        if (killed == null && e.type === 'text' && events.filter(x => x.type === 'text').length === 3) {
          const first = events.find(x => x.type === 'routed') as { executor: string }
          killed = first.executor === alpha.peerId ? alpha : beta
          killed.kill()
        }
      }
    })
    const results = await Promise.allSettled([run])
    assert.equal(results.length, 1)
    const res = await run
    assert.ok(killed != null, 'an executor was killed mid-stream')
    const survivor = killed === alpha ? beta : alpha
    assert.equal(res.output, prompt, 'the result is complete')
    assert.equal(res.executor, survivor.peerId)
    const routed = events.filter(e => e.type === 'routed').map(e => (e as { executor: string }).executor)
    assert.deepEqual(routed, [killed.peerId, survivor.peerId])
    assert.ok(events.some(e => e.type === 'failover'), 'a failover was reported')
    assert.equal(events.some(e => e.type === 'reset'), false, 'no output had to be taken back')
    const text = events.filter(e => e.type === 'text').map(e => (e as { text: string }).text).join('')
    assert.equal(text, prompt, 'streamed text: nothing lost, nothing twice')
    // the survivor ran it to completion and says so in its audit log
    const audit = await survivor.get<Array<{ type: string, task?: string, data?: Record<string, unknown> }>>('/api/audit/tail?n=100')
    assert.ok(audit.some(e => e.task === res.taskId && e.type === 'task.state' && e.data?.state === 'completed'))
  })
})
