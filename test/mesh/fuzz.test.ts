/**
 * Bad frames on every Mycel protocol: random, truncated, oversized, mutated,
 * empty, other versions and unknown types. A frame the decoder refuses gets
 * the stream reset without a word back; a mutated frame that still decodes is
 * refused on its merits; and through it all the node keeps serving: the
 * fuzzing member stays admitted and a new member still joins and syncs.
 *
 * The membership and join protocols are open to anyone holding the
 * pre-shared key, so they are fuzzed from bare hosts with no membership (a
 * fresh one per case: a refused peer is shut out for a while); sync and renew
 * are members-only, so a member fuzzes them.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Connection, Stream } from '@libp2p/interface'
import { setTimeout as sleep } from 'node:timers/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { harness, type Harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { orgSwarmKey, pskHost } from '../helpers/hosts.ts'
import { identityOf } from '../helpers/cards.ts'
import { concat, exchangeRaw, lengthPrefixed, varint } from '../helpers/frames.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { JOIN_PROTOCOL, MEMBERSHIP_PROTOCOL, RENEW_PROTOCOL } from '../../protocol/membership/ids.ts'
import { SYNC_PROTOCOL } from '../../protocol/cards/ids.ts'
import { decodeHello, decodeJoinRequest, decodeRenewRequest, MAX_MEMBERSHIP_MESSAGE_BYTES } from '../../protocol/membership/messages.ts'
import { decodeSyncMessage, encodeSyncMessage, MAX_SYNC_BYTES } from '../../protocol/cards/card.ts'

interface Target {
  protocol: string
  /** The largest frame the server reads. */
  maxFrameBytes: number
  /** A well-formed request payload. */
  valid: () => Uint8Array
  /** Whether the server's decoder accepts a payload. */
  decodes: (payload: Uint8Array) => boolean
  /** Reply types that mean the request was granted. */
  granted: string[]
  /** A stream to the node under test. */
  open: () => Promise<Stream>
}

const SEED = 0x6d796365
const RUNS = 10

function accepts (decode: (b: Uint8Array) => unknown): (b: Uint8Array) => boolean {
  return (b) => { try { decode(b); return true } catch { return false } }
}

/** The `t` of every frame in a reply (`?` for an undecodable one). */
function replyTypes (reply: Uint8Array): string[] {
  const types: string[] = []
  let at = 0
  while (at < reply.byteLength) {
    let len = 0; let shift = 0; let b = 0x80
    while ((b & 0x80) !== 0 && at < reply.byteLength) { b = reply[at++] ?? 0; len += (b & 0x7f) * 2 ** shift; shift += 7 }
    const payload = reply.subarray(at, at + len)
    at += len
    try { types.push(String((decodeCbor(payload, { maxBytes: MAX_SYNC_BYTES }) as { t?: unknown }).t)) } catch { types.push('?') }
  }
  return types
}

describe('frame fuzzing on every Mycel protocol', () => {
  const h: Harness = harness({ after })
  let a: MycelNode
  let b: MycelNode
  let founderHome: string
  const targets: Target[] = []
  let outcomes = 0
  let burnStranger = (): void => {}

  /** Sends one case and checks the node's answer; returns how the stream ended. */
  async function send (target: Target, chunks: Uint8Array[], payload?: Uint8Array): Promise<string> {
    const out = await exchangeRaw(await target.open(), chunks)
    const types = replyTypes(out.reply)
    const label = `${target.protocol}: ${Buffer.from(concat(...chunks).subarray(0, 24)).toString('hex')}…`
    outcomes++
    if (payload != null && target.decodes(payload)) {
      if (target.protocol === MEMBERSHIP_PROTOCOL) burnStranger()
      // well-formed but not genuine: refused on its merits, never granted (sync is the exception: any member may sync)
      if (target.protocol !== SYNC_PROTOCOL) assert.ok(types.every(t => !target.granted.includes(t)), `${label} was granted: ${types.join(',')}`)
      return out.ended
    }
    assert.equal(out.ended, 'reset', `${label} ended ${out.ended}`)
    assert.deepEqual(types, [], `${label} got a reply`)
    return out.ended
  }

  before(async () => {
    founderHome = await h.found('acme', 'alpha', { inProcess: true })
    a = await h.node(founderHome, { admissionTimeoutMs: 3000 })
    const memberHome = await h.join(await h.invite(founderHome, { inProcess: true }), 'beta', { inProcess: true })
    b = await h.node(memberHome)
    await waitFor(() => a.services.gate.isMember(b.peerId) === true, { what: 'beta admitted' })
    const member = await identityOf(memberHome)
    const swarmKey = await orgSwarmKey(founderHome)
    const aAddr = multiaddr(a.status().addresses[0] as string)
    const invite = await h.invite(founderHome, { inProcess: true })

    // a stranger's connection is reused until the node closes it (admission timeout, or a refused hello
    // shuts the peer out); new ones are paced under libp2p's limit of 5 inbound connections/s per address
    let stranger: { conn: Connection, refused: boolean } | undefined
    let lastDial = 0
    const fromStranger = async (protocol: string): Promise<Stream> => {
      if (stranger == null || stranger.refused || stranger.conn.status !== 'open') {
        await sleep(Math.max(0, lastDial + 300 - Date.now()))
        lastDial = Date.now()
        const host = await pskHost({ after }, swarmKey)
        stranger = { conn: await host.dial(aAddr), refused: false }
      }
      return await stranger.conn.newStream(protocol)
    }
    burnStranger = () => { if (stranger != null) stranger.refused = true }
    const fromMember = async (protocol: string): Promise<Stream> => await b.services.host.dialProtocol(a.services.host.peerId, protocol)

    targets.push(
      {
        protocol: MEMBERSHIP_PROTOCOL,
        maxFrameBytes: MAX_MEMBERSHIP_MESSAGE_BYTES,
        valid: () => encodeCbor({ v: 1, t: 'hello', chain: member.chain, revSeq: 0 }),
        decodes: accepts(decodeHello),
        granted: ['hello'],
        open: async () => await fromStranger(MEMBERSHIP_PROTOCOL)
      },
      {
        protocol: JOIN_PROTOCOL,
        maxFrameBytes: MAX_MEMBERSHIP_MESSAGE_BYTES,
        valid: () => encodeCbor({ v: 1, t: 'join', invite, proof: new Uint8Array(64).fill(7), name: 'fuzz' }),
        decodes: accepts(decodeJoinRequest),
        granted: ['welcome'],
        open: async () => await fromStranger(JOIN_PROTOCOL)
      },
      {
        protocol: SYNC_PROTOCOL,
        maxFrameBytes: MAX_SYNC_BYTES,
        valid: () => encodeSyncMessage({ v: 1, t: 'sync', cards: [] }),
        decodes: accepts(decodeSyncMessage),
        granted: ['sync'],
        open: async () => await fromMember(SYNC_PROTOCOL)
      },
      {
        protocol: RENEW_PROTOCOL,
        maxFrameBytes: 16 * 1024,
        valid: () => encodeCbor({ v: 1, t: 'renew', chain: concat(member.chain.subarray(0, 40), new Uint8Array(8)) }),
        decodes: accepts(decodeRenewRequest),
        granted: ['renewed'],
        open: async () => await fromMember(RENEW_PROTOCOL)
      }
    )
  })

  it('resets the stream on hand-made bad frames', async () => {
    for (const target of targets) {
      const valid = lengthPrefixed(target.valid())
      const shapes = [
        encodeCbor({ v: 2, t: 'hello' }),
        encodeCbor({ ...(decodeCbor(target.valid(), { maxBytes: 1 << 20 }) as object), v: 2 }),
        encodeCbor({ v: 1, t: 'no-such-message' }),
        encodeCbor([1, 2, 3]),
        encodeCbor('hello'),
        new Uint8Array(0)
      ]
      for (const payload of shapes) await send(target, [lengthPrefixed(payload)], payload)
      // truncated: inside the length prefix, inside the payload, and nothing at all
      await send(target, [valid.subarray(0, Math.max(1, valid.byteLength - 5))])
      await send(target, [varint(target.maxFrameBytes).subarray(0, 1)])
      await send(target, [])
      // oversized: one byte over the limit, an absurd length, and an endless varint
      await send(target, [concat(varint(target.maxFrameBytes + 1), new Uint8Array(64))])
      await send(target, [concat(varint(2 ** 40), new Uint8Array(16))])
      await send(target, [new Uint8Array(12).fill(0xff)])
    }
  })

  it('resets the stream on random and mutated frames', async () => {
    for (const target of targets) {
      await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), async (bytes) => {
        // unframed noise, and noise in a well-formed frame
        await send(target, [bytes])
        await send(target, [lengthPrefixed(bytes)], bytes)
      }), { numRuns: RUNS, seed: SEED, endOnFailure: true })

      const base = target.valid()
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), async (flips) => {
        const mutated = new Uint8Array(base)
        for (const [at, x] of flips) mutated[at % mutated.byteLength]! ^= x
        await send(target, [lengthPrefixed(mutated)], mutated)
      }), { numRuns: RUNS * 2, seed: SEED, endOnFailure: true })
    }
  })

  it('keeps serving: the fuzzing member stays admitted, and a new member joins and syncs', async () => {
    assert.ok(outcomes > 100, `fuzzed ${outcomes} frames`)
    assert.equal(a.services.gate.isMember(b.peerId), true)
    assert.equal(b.services.gate.isMember(a.peerId), true)
    const c = await h.node(await h.join(await h.invite(founderHome, { inProcess: true }), 'gamma', { inProcess: true }))
    await waitFor(() => a.caps().some(x => x.peerId === c.peerId), { what: 'alpha to hold gamma\'s card' })
    await waitFor(() => [a.peerId, b.peerId].every(id => c.caps().some(x => x.peerId === id)), { what: 'gamma to hold every card' })
    assert.equal(a.services.gate.isMember(c.peerId), true)
  })
})
