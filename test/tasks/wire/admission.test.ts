/**
 * Admission of a delegated request, checked without a network: each check
 * refuses with its own code, a refusal is audited only while the peer is
 * under its limit, and a peer past it is turned away unread.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { encodeCbor } from '../../../protocol/cbor.ts'
import { decodeTaskRequest, TASK_REQUEST_DOMAIN } from '../../../protocol/task/messages.ts'
import { openSignedRecord } from '../../../identity/signed-record.ts'
import { REQUEST_CLOCK_SKEW_MS } from '../../../node/tasks/constants.ts'
import { levelReplayStore, type ReplayStore } from '../../../node/tasks/wire/replay-store.ts'
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

  /** A `level` database in a temp folder, removed when the test ends. */
  async function tempDb (t: TestContext): Promise<Level<string, Uint8Array>> {
    const dir = await mkdtemp(join(tmpdir(), 'mycel-replay-'))
    const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
    await db.open()
    t.after(async () => { await db.close(); await rm(dir, { recursive: true, force: true }) })
    return db
  }

  const audit = { append: async (e: unknown) => e } as unknown as AuditLog

  it('refuses a request replayed to a restarted executor, from the ids on disk', async (t) => {
    const w = await wirePair()
    const db = await tempDb(t)
    const open = (seen: ReplayStore = levelReplayStore(db)): Admission => new Admission({ logger: createLogger('test:admission'), self: () => w.executorId, orgId: ORG, audit, seen })
    const req = w.request()
    const pending: Array<Promise<unknown>> = []
    assert.notEqual(typeof await open().check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, pending), 'string')
    await Promise.all(pending)
    // a new process knows nothing in memory: the id written by the first one refuses the replay
    assert.equal(await open().check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, []), 'replay')
    assert.notEqual(typeof await open().check({ v: 1, t: 'submit', request: w.request().bytes }, w.delegatorId, []), 'string', 'a fresh request still passes')
  })

  it('forgets expired ids on disk too, so the store stays as small as the requests alive', async (t) => {
    const w = await wirePair()
    const db = await tempDb(t)
    const store = levelReplayStore(db)
    const admission = new Admission({ logger: createLogger('test:admission'), self: () => w.executorId, orgId: ORG, audit, seen: store })
    const pending: Array<Promise<unknown>> = []
    for (let i = 0; i < 3; i++) assert.notEqual(typeof await admission.check({ v: 1, t: 'submit', request: w.request().bytes }, w.delegatorId, pending), 'string')
    await Promise.all(pending)
    // ids of requests that expired before the clock skew's grace, as a long-running node accumulates them
    for (let i = 0; i < 5; i++) await store.add(`old-${i}`, Date.now() - REQUEST_CLOCK_SKEW_MS - 60_000 * (i + 1))
    assert.equal((await store.unexpired(0)).length, 8)
    await admission.flush()
    assert.equal((await store.unexpired(0)).length, 3, 'only the live ones are left')
  })

  it('keeps refusing replays of the ids an earlier version wrote, after an upgrade', async (t) => {
    const w = await wirePair()
    const db = await tempDb(t)
    const req = w.request()
    const { msgId, expiresAt } = decodeTaskRequest(openSignedRecord(req.bytes, { domain: TASK_REQUEST_DOMAIN, maxBytes: 1 << 20 }).payload)
    // the layout before: key msgId, value CBOR(expiresAt), never pruned
    const legacy = db.sublevel<string, Uint8Array>('seen', { valueEncoding: 'view' })
    await legacy.put(msgId, encodeCbor(expiresAt))
    await legacy.put('long-expired', encodeCbor(Date.now() - 3_600_000))
    const admission = new Admission({ logger: createLogger('test:admission'), self: () => w.executorId, orgId: ORG, audit, seen: levelReplayStore(db) })
    assert.equal(await admission.check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, []), 'replay')
    assert.deepEqual(await legacy.keys().all(), [], 'the old sublevel is emptied')
    assert.deepEqual((await levelReplayStore(db).unexpired(0)).map(([id]) => id), [msgId], 'only the live id moved')
  })

  it('refuses with unavailable while the ids on disk cannot be read, and admits once they can', async () => {
    const w = await wirePair()
    let broken = true
    const store: ReplayStore = {
      unexpired: async () => { if (broken) throw new Error('disk says no'); return [] },
      add: async () => {},
      prune: async () => {}
    }
    const admission = new Admission({ logger: createLogger('test:admission'), self: () => w.executorId, orgId: ORG, audit, seen: store })
    const req = w.request()
    assert.equal(await admission.check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, []), 'unavailable')
    broken = false
    assert.notEqual(typeof await admission.check({ v: 1, t: 'submit', request: req.bytes }, w.delegatorId, []), 'string')
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
