/**
 * Fresh routing signals between in-process nodes on loopback (real libp2p,
 * gossipsub, the membership gate): a signed load beat moves a busy member
 * behind an idle one before its card says anything; forged, stale and
 * non-member beats change nothing; the load on a task's result does the
 * same as a beat. Members are kept busy with long `echo` tasks run locally.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { inProcessOrg } from '../tasks/helpers.ts'
import type { MycelNode } from '../../node/assembly/index.ts'
import { generateKeyPair, type Ed25519KeyPair } from '../../identity/keys.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { encodeSignedRecord, signRecord } from '../../identity/signed-record.ts'
import { encodeLoadBeat, LOAD_BEAT_DOMAIN, LOAD_BEAT_TYPE, type LoadBeat } from '../../protocol/load/index.ts'

const SLOTS = 3
/** Beats that never fire on their own: only a pull on admission and task responses tell the load. */
const QUIET = { intervalMs: 3_600_000, idleMs: 3_600_000 }

function signedBeat (key: Ed25519KeyPair, beat: Omit<LoadBeat, 'v'>): Uint8Array {
  return encodeSignedRecord(signRecord(key, LOAD_BEAT_DOMAIN, LOAD_BEAT_TYPE, encodeLoadBeat({ v: 1, ...beat })))
}

/** The other members in the order the delegator would try them for `echo`. */
function remoteOrder (delegator: MycelNode): string[] {
  return delegator.services.router.candidates({ kind: 'echo', dataClass: 'internal' }).filter(c => !c.local).map(c => c.peerId)
}

/** Fills `n` slots of a node with echo tasks that run until aborted. */
function keepBusy (node: MycelNode, n: number, signal: AbortSignal): Array<Promise<unknown>> {
  return Array.from({ length: n }, async () => await node.services.router.run({ kind: 'echo', local: true, input: { prompt: 'ab', chunks: 2, delayMs: 10_000 }, signal }).catch(() => {}))
}

describe('fresh routing signals', { timeout: 180_000 }, () => {
  const h = harness({ after })
  let quiet: MycelNode
  let beating: MycelNode
  let delegator: MycelNode

  before(async () => {
    const executor = { maxRunning: SLOTS, maxQueued: 4 };
    [quiet, beating, delegator] = await inProcessOrg(h, [
      { name: 'quiet', init: { executor, load: QUIET } },
      { name: 'beating', init: { executor } },
      { name: 'delegator', init: { load: QUIET } }
    ])
  })

  it('a load beat moves a busy member behind an idle one before its card changes', async () => {
    const work = new AbortController()
    const tasks = keepBusy(beating, SLOTS, work.signal)
    try {
      // the order alone may already favour the quiet member (ties break by peer id): wait for the beat itself
      await waitFor(() => delegator.services.router.loadOf(beating.peerId)?.work === SLOTS && remoteOrder(delegator)[0] === quiet.peerId, { what: 'the delegator to see the busy member and rank it last', timeoutMs: 30_000 })
      assert.deepEqual(remoteOrder(delegator), [quiet.peerId, beating.peerId])
      assert.equal(delegator.services.router.loadOf(beating.peerId)?.work, SLOTS)
      // the card still shows the member idle: the beat said it
      assert.equal(delegator.services.cards.card(beating.peerId)?.load.running, 0)
    } finally {
      work.abort()
      await Promise.all(tasks)
    }
    await waitFor(() => delegator.services.router.loadOf(beating.peerId)?.work === 0, { what: 'the idle beat', timeoutMs: 30_000 })
  })

  it('ignores forged, stale and non-member beats', async () => {
    const beats = delegator.services.loadBeats
    const before = { ...beats.rejectedCounts() }
    const held = delegator.services.router.loadOf(quiet.peerId)
    const full = { running: SLOTS, queued: 4, slots: SLOTS }
    const now = Date.now()
    const stranger = generateKeyPair()
    // a member's peer id under another key
    assert.equal(beats.accept(signedBeat(stranger, { peerId: quiet.peerId, org: delegator.services.credentials.org.id, seq: now * 2, at: now, load: full })), undefined)
    // a key that is no member, under its own peer id
    assert.equal(beats.accept(signedBeat(stranger, { peerId: peerIdFromPublicKey(stranger.publicKey), org: delegator.services.credentials.org.id, seq: now * 2, at: now, load: full })), undefined)
    // the member's own key, but measured a minute ago, and one with a sequence it already passed
    const key = quiet.services.credentials.key
    assert.equal(beats.accept(signedBeat(key, { peerId: quiet.peerId, org: delegator.services.credentials.org.id, seq: now * 2, at: now - 60_000, load: full })), undefined)
    assert.equal(beats.accept(signedBeat(key, { peerId: quiet.peerId, org: delegator.services.credentials.org.id, seq: 1, at: now, load: full })), undefined)
    // a valid beat with one signature byte flipped
    const tampered = signedBeat(key, { peerId: quiet.peerId, org: delegator.services.credentials.org.id, seq: now * 2, at: now, load: full })
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    assert.equal(beats.accept(tampered), undefined)
    const after = beats.rejectedCounts()
    assert.equal(after['signer-mismatch'] - before['signer-mismatch'], 1)
    assert.equal(after['not-member'] - before['not-member'], 1)
    assert.equal(after.stale - before.stale, 2)
    assert.equal(after['bad-signature'] - before['bad-signature'] + after.malformed - before.malformed, 1)
    assert.deepEqual(delegator.services.router.loadOf(quiet.peerId), held)
    // the same beat, signed right, is taken: the refusals were for what was wrong with them
    assert.notEqual(beats.accept(signedBeat(key, { peerId: quiet.peerId, org: delegator.services.credentials.org.id, seq: now * 2, at: now, load: full })), undefined)
    assert.equal(delegator.services.router.loadOf(quiet.peerId)?.work, SLOTS + 4)
    assert.deepEqual(remoteOrder(delegator), [beating.peerId, quiet.peerId])
    // and an idle one puts it back
    assert.notEqual(beats.accept(signedBeat(key, { peerId: quiet.peerId, org: delegator.services.credentials.org.id, seq: now * 2 + 1, at: Date.now(), load: { running: 0, queued: 0, slots: SLOTS } })), undefined)
  })

  it('the load on a task result moves a member that sends no beats', async () => {
    const work = new AbortController()
    const tasks = keepBusy(quiet, SLOTS - 1, work.signal)
    try {
      await waitFor(() => quiet.services.executor.load().running === SLOTS - 1, { what: 'the quiet member to run its own tasks' })
      assert.equal(delegator.services.router.loadOf(quiet.peerId)?.work, 0)
      const out = await delegator.services.router.run({ kind: 'echo', peer: quiet.peerId, input: { prompt: 'hi' } })
      assert.equal(out.output, 'hi')
      // the result said two of three slots run (three while it ran itself); nothing else told the delegator
      assert.ok((delegator.services.router.loadOf(quiet.peerId)?.work ?? 0) >= SLOTS - 1)
      assert.deepEqual(remoteOrder(delegator), [beating.peerId, quiet.peerId])
      assert.equal(delegator.services.cards.card(quiet.peerId)?.load.running, 0)
    } finally {
      work.abort()
      await Promise.all(tasks)
    }
  })
})
