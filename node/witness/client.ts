/**
 * The side of the witness protocol that speaks for this node's own log:
 * offer a checkpoint to a witness (answering its request for a consistency
 * proof), and ask a witness which checkpoint of ours it holds. Each
 * exchange is one stream, bounded in frame size and time.
 */
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { frame } from '../streams.ts'
import {
  decodeWitnessHeld, decodeWitnessReply, encodeWitnessFrame, MAX_WITNESS_FRAME_BYTES, WITNESS_PROTOCOL
} from '../../protocol/witness/messages.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import type { Hash } from '../audit/index.ts'
import { WitnessRefusedError } from './errors.ts'
import { WITNESS_STREAMS_PER_CONNECTION } from './constants.ts'

export type WitnessDial = (peer: ReturnType<typeof peerIdFromString>, protocol: string, o: { signal: AbortSignal, maxOutboundStreams?: number }) => Promise<Stream>

/** Counts the bytes this node's witness exchanges put on and take off the wire (frames, not transport overhead). */
export interface WitnessTraffic { sent: number, received: number }

export interface ExchangeInit { signal: AbortSignal, traffic?: WitnessTraffic }

async function open (dial: WitnessDial, peer: string, init: ExchangeInit): Promise<ReturnType<typeof frame>> {
  const stream = await dial(peerIdFromString(peer), WITNESS_PROTOCOL, { signal: init.signal, maxOutboundStreams: WITNESS_STREAMS_PER_CONNECTION })
  return frame(stream, { maxFrameBytes: MAX_WITNESS_FRAME_BYTES })
}

function counted (traffic: WitnessTraffic | undefined, bytes: Uint8Array, dir: 'sent' | 'received'): Uint8Array {
  if (traffic != null) traffic[dir] += bytes.byteLength
  return bytes
}

/**
 * Offers the signed checkpoint `cp` to `peer`; `prove(from)` gives the
 * consistency proof from the size the witness holds. Resolves with the size
 * the witness now holds; throws `WitnessRefusedError` with its code.
 */
export async function offerCheckpoint (dial: WitnessDial, peer: string, cp: Uint8Array, prove: (from: number) => Promise<Hash[]>, init: ExchangeInit): Promise<number> {
  const framed = await open(dial, peer, init)
  const { traffic, signal } = init
  try {
    await framed.write(counted(traffic, encodeWitnessFrame({ v: 1, t: 'offer', cp }), 'sent'), { signal })
    let reply = await framed.read(b => decodeWitnessReply(counted(traffic, b, 'received')), { signal })
    if (reply.t === 'prove') {
      await framed.write(counted(traffic, encodeWitnessFrame({ v: 1, t: 'proof', path: await prove(reply.from) }), 'sent'), { signal })
      reply = await framed.read(b => decodeWitnessReply(counted(traffic, b, 'received')), { signal })
    }
    if (reply.t === 'refused') throw new WitnessRefusedError(reply.code)
    if (reply.t !== 'ack') throw new MalformedMessageError('Witness asked for a second proof')
    await framed.close({ signal })
    return reply.size
  } catch (err) {
    framed.reset(err as Error)
    throw err
  }
}

/** The signed checkpoint of this node that `peer` holds, or null when it holds none. */
export async function heldBy (dial: WitnessDial, peer: string, init: ExchangeInit): Promise<Uint8Array | null> {
  const framed = await open(dial, peer, init)
  try {
    await framed.write(counted(init.traffic, encodeWitnessFrame({ v: 1, t: 'get' }), 'sent'), { signal: init.signal })
    const held = await framed.read(b => decodeWitnessHeld(counted(init.traffic, b, 'received')), { signal: init.signal })
    await framed.close({ signal: init.signal })
    return held.cp
  } catch (err) {
    framed.reset(err as Error)
    throw err
  }
}
