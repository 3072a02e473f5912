/**
 * The witness protocol (`/mycel/witness/1.0.0`): members hold each other's
 * signed audit checkpoints so no node can roll back or rewrite its own log
 * alone. One stream per exchange, opened by the node whose log it is:
 *
 * - `offer`: "here is my latest signed checkpoint". The witness verifies the
 *   signature against the stream's authenticated peer, compares it with the
 *   checkpoint it holds of that peer, and either acknowledges (`ack`), asks
 *   for an RFC 6962 consistency proof from the size it holds (`prove`,
 *   answered by `proof`), or refuses with a code from a closed list.
 * - `get`: "which checkpoint of mine do you hold?", answered by `held`, so
 *   a node can prove its log consistent with every witness
 *   (`mycel audit verify --peers`).
 *
 * The checkpoint itself is the audit log's own signed form
 * (`CBOR({body, sig})`, node/audit/checkpoint.ts); this protocol never
 * re-encodes it.
 */
import { decodeCbor, encodeCbor } from '../cbor.ts'
import { MalformedMessageError } from '../errors.ts'
import { arrayOf, bytes, isPlainObject, literal, nullable, object, oneOf, parse, uint, type Infer, type Shape } from '../shape.ts'

export const WITNESS_PROTOCOL = '/mycel/witness/1.0.0'

/** Largest signed checkpoint carried (the audit log's own bound). */
export const MAX_WITNESS_CHECKPOINT_BYTES = 1024
/**
 * Most hashes in a consistency proof: RFC 9162 §2.1.4 proofs have at most
 * about 2·log2(n) nodes, and n < 2^53 here.
 */
export const MAX_PROOF_HASHES = 128
/** Largest frame either way: a proof of 128 hashes with its CBOR framing fits well inside. */
export const MAX_WITNESS_FRAME_BYTES = 8 * 1024

/**
 * Why a witness refuses an offer. `forged`: not signed by the peer on the
 * stream. `replayed`: an older checkpoint than the one held, signed before
 * it. `rolled-back`: a smaller log signed after a larger one. `forked`: a
 * different root at the size held. `rewritten`: a larger log whose proof
 * does not show it extends the one held. `malformed`: a frame out of shape.
 */
export const WITNESS_REFUSALS = ['forged', 'replayed', 'rolled-back', 'forked', 'rewritten', 'malformed'] as const
export type WitnessRefusal = typeof WITNESS_REFUSALS[number]

const CP = bytes({ max: MAX_WITNESS_CHECKPOINT_BYTES })
const HASH = bytes({ length: 32 })

const Offer = object({ v: literal(1), t: literal('offer'), cp: CP })
const Get = object({ v: literal(1), t: literal('get') })
const Proof = object({ v: literal(1), t: literal('proof'), path: arrayOf(HASH, { max: MAX_PROOF_HASHES }) })
const Prove = object({ v: literal(1), t: literal('prove'), from: uint() })
const Ack = object({ v: literal(1), t: literal('ack'), size: uint() })
const Refused = object({ v: literal(1), t: literal('refused'), code: oneOf(WITNESS_REFUSALS) })
const Held = object({ v: literal(1), t: literal('held'), cp: nullable(CP) })

export type WitnessOffer = Infer<typeof Offer>
export type WitnessGet = Infer<typeof Get>
export type WitnessProof = Infer<typeof Proof>
export type WitnessProve = Infer<typeof Prove>
export type WitnessAck = Infer<typeof Ack>
export type WitnessRefused = Infer<typeof Refused>
export type WitnessHeld = Infer<typeof Held>

/** What opens a stream (sent by the node whose log it is). */
export type WitnessCall = WitnessOffer | WitnessGet
/** What a witness answers an offer with. */
export type WitnessReply = WitnessProve | WitnessAck | WitnessRefused

export function encodeWitnessFrame (frame: WitnessCall | WitnessProof | WitnessReply | WitnessHeld): Uint8Array {
  return encodeCbor(frame)
}

function byType<T> (table: Record<string, Shape<unknown>>, b: Uint8Array, what: string): T {
  const value = decodeCbor(b, { maxBytes: MAX_WITNESS_FRAME_BYTES })
  if (!isPlainObject(value) || typeof value.t !== 'string' || !Object.hasOwn(table, value.t)) {
    throw new MalformedMessageError(`Malformed ${what}: unknown message type`)
  }
  return parse(table[value.t] as Shape<T>, value, `${what} (${value.t})`)
}

export function decodeWitnessCall (b: Uint8Array): WitnessCall {
  return byType<WitnessCall>({ offer: Offer, get: Get }, b, 'witness call')
}

export function decodeWitnessProof (b: Uint8Array): WitnessProof {
  return byType<WitnessProof>({ proof: Proof }, b, 'witness proof')
}

export function decodeWitnessReply (b: Uint8Array): WitnessReply {
  return byType<WitnessReply>({ prove: Prove, ack: Ack, refused: Refused }, b, 'witness reply')
}

export function decodeWitnessHeld (b: Uint8Array): WitnessHeld {
  return byType<WitnessHeld>({ held: Held }, b, 'witness held')
}
