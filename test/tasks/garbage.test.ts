/**
 * A member floods an executor with garbage submits: beta sends alpha 3,000
 * submits whose request is random bytes. Alpha refuses each, audits only
 * the first few per interval and one count for the rest, turns beta's
 * further submits away unread (busy with a retry-after), and keeps serving
 * other members.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { auditOf, inProcessOrg, submitRaw } from './helpers.ts'

const GARBAGE = 3_000
const BATCH = 100
const MAX_AUDITED = 5

describe('garbage submits from a member', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode
  let gamma: MycelNode

  before(async () => {
    ;[alpha, beta, gamma] = await inProcessOrg(h, [
      { name: 'alpha', init: { executor: { maxAuditedRefusals: MAX_AUDITED, refusalIntervalMs: 3_000 } } },
      { name: 'beta' },
      { name: 'gamma' }
    ])
  })

  it('grows the audit log by a bounded handful, accounts for every refusal, and keeps serving', async () => {
    const before = alpha.services.audit.length
    const answers = new Map<string, number>()
    for (let i = 0; i < GARBAGE; i += BATCH) {
      const batch = await Promise.all(Array.from({ length: BATCH }, async () => await submitRaw(beta, alpha, randomBytes(200))))
      for (const events of batch) {
        assert.equal(events.length, 1)
        const e = events[0] as { t: string, code?: string, retryAfterMs?: number }
        assert.equal(e.t, 'error')
        if (e.code === 'busy') assert.ok((e.retryAfterMs ?? 0) > 0)
        answers.set(e.code ?? '', (answers.get(e.code ?? '') ?? 0) + 1)
      }
    }
    assert.deepEqual([...answers.keys()].sort(), ['busy', 'malformed'], JSON.stringify([...answers]))

    // gamma is served at once while beta is throttled
    const res = await gamma.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: 'still here' } })
    assert.equal(res.output, 'still here')

    // the last interval's count is audited once it is over
    const accounted = async (): Promise<number> => {
      const entries = (await auditOf(alpha, 10_000)).filter(e => e.type === 'task.rejected' && e.peer === beta.peerId)
      return entries.reduce((n, e) => n + (e.data?.code === 'rate-limited' ? Number(e.data.count) : 1), 0)
    }
    await waitFor(async () => await accounted() === GARBAGE, { what: 'every refusal to be accounted for in the audit log', timeoutMs: 20_000 })
    const grown = alpha.services.audit.length - before
    assert.ok(grown < 60, `the audit log grew by ${grown} entries for ${GARBAGE} refusals`)
  })
})
