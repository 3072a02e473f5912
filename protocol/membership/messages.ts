/**
 * Wire messages of the membership protocols: proving membership on connect
 * (`MEMBERSHIP_PROTOCOL`), redeeming an invite (`JOIN_PROTOCOL`) and renewing
 * a certificate (`RENEW_PROTOCOL`). Each message type sits next to its
 * decoder, which bounds the size and checks the exact shape.
 */
import { decodeCbor, encodeCbor } from '../cbor.ts'
import { WIRE_ERROR_CODES, type WireErrorCode } from '../codes.ts'
import { arrayOf, bytes, literal, object, oneOf, optional, parse, str, uint, type Infer } from '../shape.ts'

/** Largest membership message: a chain is two signed certs of well under 2 KiB each. */
export const MAX_MEMBERSHIP_MESSAGE_BYTES = 16 * 1024
const MAX_CHAIN_BYTES = 8 * 1024
/** A revocation list with its admin certificate (up to 10,000 entries). */
export const MAX_REVOCATION_BYTES = 1536 * 1024
/** A join reply carries the revocation list. */
export const MAX_JOIN_MESSAGE_BYTES = 2 * 1024 * 1024

const Hello = object({
  v: literal(1),
  t: literal('hello'),
  /** The sender's membership chain (admin cert + member cert). */
  chain: bytes({ max: MAX_CHAIN_BYTES }),
  /** Sequence of the newest revocation list the sender holds, so the other side can push a newer one. */
  revSeq: uint()
})
export type Hello = Infer<typeof Hello>

const Refusal = object({
  v: literal(1),
  t: literal('refused'),
  code: oneOf(WIRE_ERROR_CODES)
})
export type Refusal = Infer<typeof Refusal>

export type HelloReply = Hello | Refusal

export function encodeMembershipMessage (msg: Hello | Refusal | JoinRequest | JoinWelcome | RenewRequest | RenewReply): Uint8Array {
  return encodeCbor(msg)
}

export function decodeHelloReply (b: Uint8Array): HelloReply {
  const value = decodeCbor(b, { maxBytes: MAX_MEMBERSHIP_MESSAGE_BYTES }) as { t?: unknown }
  return value?.t === 'refused' ? parse(Refusal, value, 'membership refusal') : parse(Hello, value, 'membership hello')
}

export function decodeHello (b: Uint8Array): Hello {
  return parse(Hello, decodeCbor(b, { maxBytes: MAX_MEMBERSHIP_MESSAGE_BYTES }), 'membership hello')
}

export function refusal (code: WireErrorCode): Refusal {
  return { v: 1, t: 'refused', code }
}

const JoinRequest = object({
  v: literal(1),
  t: literal('join'),
  /** The invite text as the user pasted it. */
  invite: str({ max: 4096 }),
  /** Ed25519 signature by the invite's ephemeral key over (invite id, joiner peer id, issuer peer id). */
  proof: bytes({ length: 64 }),
  /** A name for the new member, shown in peers and caps. */
  name: str({ max: 64 })
})
export type JoinRequest = Infer<typeof JoinRequest>

const JoinWelcome = object({
  v: literal(1),
  t: literal('welcome'),
  chain: bytes({ max: MAX_CHAIN_BYTES }),
  /** Multiaddrs (with /p2p/) of members the issuer knows, to bootstrap from next time. */
  members: arrayOf(str({ max: 256 }), { max: 64 }),
  /** The current revocation list, if any. */
  revocations: optional(bytes({ max: MAX_REVOCATION_BYTES }))
})
export type JoinWelcome = Infer<typeof JoinWelcome>

export function decodeJoinRequest (b: Uint8Array): JoinRequest {
  return parse(JoinRequest, decodeCbor(b, { maxBytes: MAX_MEMBERSHIP_MESSAGE_BYTES }), 'join request')
}

export function decodeJoinReply (b: Uint8Array): JoinWelcome | Refusal {
  const value = decodeCbor(b, { maxBytes: MAX_JOIN_MESSAGE_BYTES }) as { t?: unknown }
  return value?.t === 'refused' ? parse(Refusal, value, 'join refusal') : parse(JoinWelcome, value, 'join welcome')
}

const RenewRequest = object({
  v: literal(1),
  t: literal('renew'),
  chain: bytes({ max: MAX_CHAIN_BYTES })
})
export type RenewRequest = Infer<typeof RenewRequest>

const RenewReply = object({
  v: literal(1),
  t: literal('renewed'),
  chain: bytes({ max: MAX_CHAIN_BYTES })
})
export type RenewReply = Infer<typeof RenewReply>

export function decodeRenewRequest (b: Uint8Array): RenewRequest {
  return parse(RenewRequest, decodeCbor(b, { maxBytes: MAX_MEMBERSHIP_MESSAGE_BYTES }), 'renew request')
}

export function decodeRenewReply (b: Uint8Array): RenewReply | Refusal {
  const value = decodeCbor(b, { maxBytes: MAX_MEMBERSHIP_MESSAGE_BYTES }) as { t?: unknown }
  return value?.t === 'refused' ? parse(Refusal, value, 'renew refusal') : parse(RenewReply, value, 'renew reply')
}
