/**
 * Attacks on the task protocol at the wire, and a busy executor. Three
 * in-process nodes with real libp2p on loopback: alpha executes (one task at
 * a time, none queued), beta delegates, gamma is a second executor. Requests
 * are hand-made and sent over a raw stream, so the same signed bytes can be
 * sent twice, the ciphertext changed under a valid signature, or the expiry
 * set in the past.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import type { RunResult } from '../../node/tasks/index.ts'
import { auditOf, inProcessOrg, signedRequest, submitRaw } from './helpers.ts'

describe('task protocol under attack, and a busy executor', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode
  let gamma: MycelNode

  before(async () => {
    ;[alpha, beta, gamma] = await inProcessOrg(h, [
      { name: 'alpha', init: { executor: { maxRunning: 1, maxQueued: 0 } } },
      { name: 'beta' },
      { name: 'gamma' }
    ])
  })

  /** An echo alpha runs for beta, delegated end to end, to show alpha still serves. */
  async function stillServes (): Promise<void> {
    const res = await beta.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: 'still here', chunks: 2 } })
    assert.equal(res.output, 'still here')
    assert.equal(res.executor, alpha.peerId)
  }

  it('runs a well-formed hand-made request (the baseline the attacks change one thing of)', async () => {
    const req = signedRequest(beta, alpha, { input: { prompt: 'baseline' } })
    const events = await submitRaw(beta, alpha, req.bytes)
    // progress states of a quick task never go out alone: its output and result say more
    assert.deepEqual(events.map(e => e.t), ['chunk', 'result'])
  })

  it('refuses a tampered ciphertext under a valid signature as malformed, and keeps serving', async () => {
    const req = signedRequest(beta, alpha, { input: { prompt: 'tampered' }, tamperCiphertext: true })
    const events = await submitRaw(beta, alpha, req.bytes)
    assert.equal(events.length, 1)
    assert.deepEqual([events[0]?.t, (events[0] as any).code, (events[0] as any).state], ['error', 'malformed', 'rejected'])
    const audit = await auditOf(alpha)
    assert.ok(audit.some(e => e.type === 'task.rejected' && e.task === req.taskId && e.data?.code === 'malformed'), 'the refusal is audited')
    assert.ok(!audit.some(e => e.type === 'task.state' && e.task === req.taskId && e.data?.state === 'working'), 'nothing ran')
    await stillServes()
  })

  it('refuses signed bytes changed after signing as malformed', async () => {
    const req = signedRequest(beta, alpha, { input: { prompt: 'flipped' } })
    const bytes = req.bytes.slice()
    bytes[Math.floor(bytes.length / 2)]! ^= 0x80
    const events = await submitRaw(beta, alpha, bytes)
    assert.deepEqual(events.map(e => [e.t, (e as any).code]), [['error', 'malformed']])
    await stillServes()
  })

  it('refuses the same signed request sent twice as a replay, and keeps serving', async () => {
    const req = signedRequest(beta, alpha, { input: { prompt: 'once only' } })
    const first = await submitRaw(beta, alpha, req.bytes)
    assert.equal(first.at(-1)?.t, 'result')
    const second = await submitRaw(beta, alpha, req.bytes)
    assert.deepEqual(second.map(e => [e.t, (e as any).code]), [['error', 'replay']])
    const audit = await auditOf(alpha)
    assert.equal(audit.filter(e => e.type === 'task.received' && e.data?.msgId === req.msgId).length, 1, 'received once')
    assert.ok(audit.some(e => e.type === 'task.rejected' && e.data?.code === 'replay'), 'the replay is audited')
    await stillServes()
  })

  it('refuses an expired request as expired, and one issued far in the future too', async () => {
    const now = Date.now()
    const expired = signedRequest(beta, alpha, { issuedAt: now - 120_000, expiresAt: now - 60_000 })
    assert.deepEqual((await submitRaw(beta, alpha, expired.bytes)).map(e => [e.t, (e as any).code]), [['error', 'expired']])
    const future = signedRequest(beta, alpha, { issuedAt: now + 3_600_000, expiresAt: now + 3_660_000 })
    assert.deepEqual((await submitRaw(beta, alpha, future.bytes)).map(e => [e.t, (e as any).code]), [['error', 'expired']])
    const tooLong = signedRequest(beta, alpha, { issuedAt: now, expiresAt: now + 24 * 3_600_000 })
    assert.deepEqual((await submitRaw(beta, alpha, tooLong.bytes)).map(e => [e.t, (e as any).code]), [['error', 'expired']])
    await stillServes()
  })

  it('refuses a request addressed to another executor', async () => {
    const toGamma = signedRequest(beta, gamma, { input: { prompt: 'for gamma' } })
    assert.deepEqual((await submitRaw(beta, alpha, toGamma.bytes)).map(e => [e.t, (e as any).code]), [['error', 'malformed']])
    // and gamma, its audience, still runs it: the refusal did not burn the message id elsewhere
    assert.equal((await submitRaw(beta, gamma, toGamma.bytes)).at(-1)?.t, 'result')
  })

  /** Occupies alpha's only slot with a slow local echo until the returned function is called. */
  async function occupyAlpha (): Promise<{ release: () => Promise<void> }> {
    const controller = new AbortController()
    const running = alpha.services.router.run({ kind: 'echo', local: true, input: { prompt: 'x'.repeat(200), chunks: 200, delayMs: 200 }, signal: controller.signal }).catch(err => err as Error)
    await waitFor(() => alpha.services.executor.load().running === 1, { what: 'alpha to be busy' })
    return {
      release: async () => {
        controller.abort()
        const err = await running
        assert.equal((err as { code?: string }).code, 'canceled')
        await waitFor(() => alpha.services.executor.load().running === 0, { what: 'alpha to be free' })
      }
    }
  }

  it('answers busy with a retry-after when its slots are full', async () => {
    const busy = await occupyAlpha()
    try {
      const req = signedRequest(beta, alpha, { input: { prompt: 'no room' } })
      const events = await submitRaw(beta, alpha, req.bytes)
      assert.equal(events.length, 1)
      const e = events[0] as any
      assert.deepEqual([e.t, e.state, e.code], ['error', 'rejected', 'busy'])
      assert.ok(e.retryAfterMs > 0, 'carries a retry-after')
      const audit = await auditOf(alpha)
      assert.ok(audit.some(x => x.type === 'task.state' && x.task === req.taskId && x.data?.state === 'rejected' && x.data?.code === 'busy'))
    } finally {
      await busy.release()
    }
  })

  it('backs off and retries a pinned busy executor, and gets the result once it is free', async () => {
    const busy = await occupyAlpha()
    const since = (await auditOf(alpha, 1)).at(-1)?.seq ?? 0
    let released = false
    try {
      const events: string[] = []
      const run = beta.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: 'patient' }, onEvent: e => { events.push(e.type) } })
      let taskId = ''
      // alpha refused it once as busy; then free alpha while beta backs off
      await waitFor(async () => {
        const e = (await auditOf(alpha, 50)).find(x => x.type === 'task.state' && x.data?.code === 'busy' && x.peer === beta.peerId && x.seq > since)
        if (e != null) taskId = e.task as string
        return e != null
      }, { what: 'alpha to refuse beta as busy' })
      await busy.release()
      released = true
      const res: RunResult = await run
      assert.equal(res.output, 'patient')
      assert.equal(res.executor, alpha.peerId)
      assert.equal(res.taskId, taskId)
      assert.ok(res.attempts >= 2, `retried after the back-off (attempts ${res.attempts})`)
      assert.ok(events.filter(e => e === 'routed').length >= 2)
    } finally {
      if (!released) await busy.release()
    }
  })

  it('tries another executor when the first choice is busy', async () => {
    const router = beta.services.router
    const original = router.candidates.bind(router)
    // beta serves echo itself and would run it locally: make it a pure delegator preferring alpha
    router.candidates = (spec) => original(spec).filter(c => !c.local).sort((a, b) => Number(b.peerId === alpha.peerId) - Number(a.peerId === alpha.peerId))
    const busy = await occupyAlpha()
    try {
      const routed: string[] = []
      const res = await router.run({ kind: 'echo', input: { prompt: 'anyone free?' }, onEvent: e => { if (e.type === 'routed') routed.push(e.executor) } })
      assert.deepEqual(routed, [alpha.peerId, gamma.peerId])
      assert.equal(res.executor, gamma.peerId)
      assert.equal(res.output, 'anyone free?')
      const audit = await auditOf(alpha)
      assert.ok(audit.some(x => x.task === res.taskId && x.data?.code === 'busy'), 'alpha refused it as busy')
    } finally {
      router.candidates = original
      await busy.release()
    }
  })
})
