/**
 * Many parallel delegations to one member: beta sends alpha 200 echo tasks
 * at once, more than libp2p's default of 64 streams per protocol and more
 * than alpha admits (8 running, 64 queued). Each ends in its result or in
 * `busy` with a retry-after; none in an internal error, and alpha keeps
 * serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness } from '../helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { inProcessOrg } from './helpers.ts'

describe('200 parallel delegations to one member', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode

  before(async () => {
    ;[alpha, beta] = await inProcessOrg(h, [{ name: 'alpha' }, { name: 'beta' }])
  })

  it('ends each in a result or busy, none in an internal error', async () => {
    const runs = Array.from({ length: 200 }, async (_, i) => await beta.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: `task ${i} `.repeat(4), chunks: 4, delayMs: 40 } }))
    const settled = await Promise.allSettled(runs)
    const outcomes = new Map<string, number>()
    settled.forEach((s, i) => {
      let key: string
      if (s.status === 'fulfilled') {
        assert.equal(s.value.output, `task ${i} `.repeat(4))
        key = 'result'
      } else {
        const err = s.reason as Error & { code?: string, retryAfterMs?: number }
        key = `${err.name}:${err.code ?? ''}`
        if (err.code === 'busy') assert.ok((err.retryAfterMs ?? 0) > 0, 'busy carries a retry-after')
      }
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
    })
    const other = [...outcomes].filter(([k]) => k !== 'result' && !k.endsWith(':busy'))
    assert.deepEqual(other, [], `outcomes: ${JSON.stringify([...outcomes])}`)
    assert.ok((outcomes.get('result') ?? 0) >= 72, `at least the admitted ones ran: ${JSON.stringify([...outcomes])}`)
    const again = await beta.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: 'still here' } })
    assert.equal(again.output, 'still here')
  })
})
