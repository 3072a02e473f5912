/**
 * The witness store on a real level database, with real logs signing real
 * checkpoints: it keeps a member's first checkpoint, moves forward only
 * along a proven history, refuses forged, replayed, smaller and
 * different-root checkpoints, keeps the evidence of an inconsistency across
 * a reopen, and audits it once per kind.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { signCheckpoint, type AuditLog } from '../../node/audit/index.ts'
import { WitnessStore } from '../../node/witness/index.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { ed25519Signer, ed25519Verify, signedLog, tempLevel, type Signer } from '../audit/helpers.ts'

/** A subject's log and key, and a witness store over a fresh database. */
async function setup (t: TestContext, init: { now?: () => number } = {}): Promise<{ key: Signer, peer: string, log: AuditLog, store: WitnessStore, db: Awaited<ReturnType<typeof tempLevel>>['db'] }> {
  const key = ed25519Signer()
  const log = await signedLog(t, key)
  const { db } = await tempLevel(t)
  const store = new WitnessStore({ db, verify: ed25519Verify, ...init })
  await store.load()
  return { key, peer: peerIdFromPublicKey(key.publicKey), log, store, db }
}

async function grow (log: AuditLog, n: number, tag = 'x'): Promise<void> {
  for (let i = 0; i < n; i++) await log.append({ type: 'task.state', actor: 'subject', data: { tag, i } })
}

const noProof = async (): Promise<never> => { throw new Error('no proof expected') }

describe('witness/store', { timeout: 60_000 }, () => {
  it('holds a first checkpoint, then only proven extensions', async (t) => {
    const { peer, log, store } = await setup(t)
    await grow(log, 10)
    const first = await log.checkpoint()
    assert.deepEqual(await store.offer(peer, first.bytes, noProof), { accepted: true, verdict: 'new', size: 10 })
    assert.equal(store.witnessed, 1)
    assert.deepEqual(await store.offer(peer, first.bytes, noProof), { accepted: true, verdict: 'same', size: 10 })
    await grow(log, 7)
    const second = await log.checkpoint()
    const asked: number[] = []
    const r = await store.offer(peer, second.bytes, async (from) => { asked.push(from); return await log.consistencyProof(from, 17) })
    assert.deepEqual([r, asked], [{ accepted: true, verdict: 'extends', size: 17 }, [10]])
    assert.equal((await store.heldOf(peer))?.checkpoint.size, 17)
    assert.deepEqual(store.warnings(), [])
  })

  it('refuses forged, replayed, smaller, forked and rewritten checkpoints, recording only the inconsistent ones', async (t) => {
    let now = 1_000
    const { key, peer, log, store, db } = await setup(t, { now: () => now++ })
    await grow(log, 5)
    const old = await log.checkpoint()
    await grow(log, 5)
    const held = await log.checkpoint()
    await store.offer(peer, held.bytes, async (from) => await log.consistencyProof(from, 10))

    // signed by another key, or under the right key but for another peer
    const mallory = ed25519Signer()
    const forged = signCheckpoint(held.checkpoint, mallory.sign)
    assert.deepEqual(await store.offer(peer, forged, noProof), { accepted: false, code: 'forged', reason: `the checkpoint is not signed by ${peer}`, recorded: false })
    assert.equal((await store.offer(peerIdFromPublicKey(mallory.publicKey), held.bytes, noProof) as { code: string }).code, 'forged')
    assert.equal((await store.offer(peer, new Uint8Array([0xa0]), noProof) as { code: string }).code, 'forged')

    // an old checkpoint sent again: refused, not evidence
    const replayed = await store.offer(peer, old.bytes, noProof)
    assert.deepEqual([replayed.accepted, (replayed as { code: string }).code, (replayed as { recorded: boolean }).recorded], [false, 'replayed', false])
    assert.deepEqual(store.warnings(), [])

    // a smaller log signed after the larger one: the peer rolled back
    const rolled = signCheckpoint({ ...old.checkpoint, time: held.checkpoint.time + 1 }, key.sign)
    const r1 = await store.offer(peer, rolled, noProof)
    assert.deepEqual([(r1 as { code: string }).code, (r1 as { recorded: boolean }).recorded], ['rolled-back', true])
    assert.match(store.warnings()[0]?.reason ?? '', new RegExp(`^peer ${peer} rolled back its audit log: it signed 5 entries .* after 10 entries`))

    // the same size with another root: a fork
    const rewrite = await signedLog(t, key)
    await grow(rewrite, 10, 'rewritten')
    const fork = await rewrite.checkpoint()
    const r2 = await store.offer(peer, fork.bytes, noProof)
    assert.deepEqual([(r2 as { code: string }).code, (r2 as { recorded: boolean }).recorded], ['forked', true])
    // offered again: refused again, audited once
    assert.equal((await store.offer(peer, fork.bytes, noProof) as { recorded: boolean }).recorded, false)

    // larger, with the rewritten log's own proof: it does not extend what is held
    await grow(rewrite, 5, 'rewritten')
    const bigger = await rewrite.checkpoint()
    const r3 = await store.offer(peer, bigger.bytes, async (from) => await rewrite.consistencyProof(from, 15))
    assert.deepEqual([(r3 as { code: string }).code, (r3 as { recorded: boolean }).recorded], ['rewritten', true])

    // nothing of that moved what is held
    assert.equal((await store.heldOf(peer))?.checkpoint.size, 10)
    assert.ok(Buffer.from((await store.heldOf(peer))!.bytes).equals(held.bytes))

    // the evidence survives a reopen
    const reopened = new WitnessStore({ db, verify: ed25519Verify })
    await reopened.load()
    assert.deepEqual(reopened.warnings().map(w => [w.peer, w.kind, w.held.size, w.offered.size]), [[peer, 'rewritten', 10, 15]])
    assert.equal(reopened.witnessed, 1)
  })

  it('serialises offers of one peer, so two racing extensions never skip a proof', async (t) => {
    const { peer, log, store } = await setup(t)
    await grow(log, 3)
    const a = await log.checkpoint()
    await grow(log, 3)
    const b = await log.checkpoint()
    const prove = async (from: number): Promise<Uint8Array[]> => await log.consistencyProof(from, 6)
    const [ra, rb] = await Promise.all([store.offer(peer, a.bytes, prove), store.offer(peer, b.bytes, prove)])
    assert.deepEqual([ra, rb], [{ accepted: true, verdict: 'new', size: 3 }, { accepted: true, verdict: 'extends', size: 6 }])
  })
})
