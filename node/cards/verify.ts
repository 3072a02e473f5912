/**
 * Verification of a received capability card, in the order that costs the
 * least for a forger: signature over the exact bytes, signer = card's peer,
 * org, membership chain, revocation, expiry, sequence.
 */
import { decodeCardPayload, type CapabilityCard } from '../../protocol/cards/card.ts'

export type CardRejection =
  | 'malformed'
  | 'bad-signature'
  | 'signer-mismatch'
  | 'wrong-org'
  | 'not-member'
  | 'revoked'
  | 'expired'
  | 'stale'

export class CardRejectedError extends Error {
  static override name = 'CardRejectedError'
  readonly reason: CardRejection
  constructor (reason: CardRejection) {
    super(`Capability card rejected: ${reason}`)
    this.name = CardRejectedError.name
    this.reason = reason
  }
}

export interface CardVerifier {
  /** Verifies the signed record and returns signer and payload; throws on a bad signature or malformed record. */
  openRecord: (bytes: Uint8Array) => { publicKey: Uint8Array, payload: Uint8Array }
  peerIdOf: (publicKey: Uint8Array) => string
  orgId: string
  /** Verifies that `chain` certifies `peerId` as a member; returns the cert serial. */
  verifyMember: (chain: Uint8Array, peerId: string) => { serial: string }
  isRevoked: (peerId: string, serial?: string) => boolean
  /** The newest sequence number already held for a peer. */
  knownSeq: (peerId: string) => number | undefined
  now?: () => number
}

export function verifyCard (bytes: Uint8Array, v: CardVerifier): CapabilityCard {
  let opened
  try {
    opened = v.openRecord(bytes)
  } catch (err) {
    throw new CardRejectedError((err as Error).name === 'InvalidSignatureError' ? 'bad-signature' : 'malformed')
  }
  let card: CapabilityCard
  try {
    card = decodeCardPayload(opened.payload)
  } catch {
    throw new CardRejectedError('malformed')
  }
  let signer: string
  try { signer = v.peerIdOf(opened.publicKey) } catch { throw new CardRejectedError('signer-mismatch') }
  if (signer !== card.peerId) throw new CardRejectedError('signer-mismatch')
  if (card.org !== v.orgId) throw new CardRejectedError('wrong-org')
  let serial: string
  try {
    serial = v.verifyMember(card.cert, card.peerId).serial
  } catch (err) {
    // the node's verifier wraps identity errors in one carrying a wire code
    const e = err as Error & { code?: unknown }
    throw new CardRejectedError(e.name === 'CertRevokedError' || e.code === 'revoked' ? 'revoked' : 'not-member')
  }
  if (v.isRevoked(card.peerId, serial)) throw new CardRejectedError('revoked')
  if (card.expiresAt <= (v.now ?? Date.now)()) throw new CardRejectedError('expired')
  const known = v.knownSeq(card.peerId)
  if (known != null && card.seq <= known) throw new CardRejectedError('stale')
  return card
}
