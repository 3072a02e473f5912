/**
 * Admission of a delegated request, checked without a network: each check
 * refuses with its own code, a refusal is audited only while the peer is
 * under its limit, and a peer past it is turned away unread.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '../../../identity/keys.ts'
import { createLogger } from '../../../node/logger.ts'
import type { AuditLog } from '../../../node/audit/log.ts'
import { Admission } from '../../../node/tasks/wire/admission.ts'
import { ORG, wirePair } from './fixtures.ts'

describe('task admission', () => {
  it('admits a well-formed request and refuses each broken one with its code', async () => {
    const w = await wirePair()
    const check = async (bytes: Uint8Array, peer = w.delegatorId): Promise<unknown> => {
      const r = await w.admission.check({ v: 1, t: 'submit', request: bytes }, peer, [])
      return typeof r === 'string' ? r : 'ok'
    }
    const now = Date.now()
    const good = w.request()
    assert.equal(await check(good.bytes), 'ok')
    assert.equal(await check(good.bytes), 'replay', 'the same message id twice')
    assert.equal(await check(randomBytes(200)), 'malformed', 'not a signed record')
    const flipped = w.request().bytes.slice()
    flipped[Math.floor(flipped.length / 2)]! ^= 0x80
    assert.equal(await check(flipped), 'malformed', 'signature over the exact bytes')
    assert.equal(await check(w.request().bytes, 'someone-else'), 'not-a-member', 'signer is not the connection peer')
    assert.equal(await check(w.request(undefined, {}, generateKeyPair()).bytes), 'not-a-member', 'signed by a key that is not the sender')
    assert.equal(await check(w.request(undefined, { org: 'other-org' }).bytes), 'wrong-org')
    assert.equal(await check(w.request(undefined, { audience: w.delegatorId }).bytes), 'malformed', 'addressed to another executor')
    assert.equal(await check(w.request(undefined, { issuedAt: now - 120_000, expiresAt: now - 60_000 }).bytes), 'expired')
    assert.equal(await check(w.request(undefined, { issuedAt: now + 3_600_000, expiresAt: now + 3_660_000 }).bytes), 'expired', 'issued in the future')
    assert.equal(await check(w.request(undefined, { expiresAt: now + 24 * 3_600_000 }).bytes), 'expired', 'claims too long a life')
  })

  it('refuses a request replayed to a restarted executor, from the ids on disk', async () => {
    const w = await wirePair()
    const disk = new Map<string, Uint8Array>()
    const seen = { get: async (k: string) => disk.get(k), put: async (k: string, v: Uint8Array) => { disk.set(k, v) } }
    const audit = { append: async (e: unknown) => e } as unknown as AuditLog
    const open = (): Admission => new Admission({ logger: createLogger('test:admission'), self: () => w.executorId, orgId: ORG, audit, seen })
    const req = w.request()
    const pending: Array<Promise<unknown>> = []
    assert.notEqual(typeof await open().check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, pending), 'string')
    await Promise.all(pending)
    // a new process knows nothing in memory: the id written by the first one refuses the replay
    assert.equal(await open().check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, []), 'replay')
  })

  it('audits refusals up to the limit, then counts them and turns the peer away', async () => {
    const w = await wirePair({ maxAuditedRefusals: 3, refusalIntervalMs: 60_000 })
    for (let i = 0; i < 3; i++) {
      assert.equal(w.admission.throttled('peer'), undefined)
      await w.admission.refused('peer', 'malformed')
    }
    assert.ok((w.admission.throttled('peer') ?? 0) > 0, 'past the limit: turned away with a retry-after')
    assert.equal(w.admission.throttled('another'), undefined, 'other peers are not')
    for (let i = 0; i < 100; i++) await w.admission.refused('peer', i % 2 === 0 ? 'malformed' : 'throttled')
    assert.equal(w.audit.filter(e => e.type === 'task.rejected').length, 3, 'only the first ones written')
    await w.admission.stop()
    const counted = w.audit.filter(e => e.data?.code === 'rate-limited')
    assert.equal(counted.length, 1, 'one count for the rest, written when the interval ends (here: at stop)')
    assert.equal(counted[0]?.data?.count, 100)
    assert.deepEqual(counted[0]?.data?.codes, ['malformed:50', 'throttled:50'])
  })
})
