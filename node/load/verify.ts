/**
 * Verification of a received load beat, cheapest for a forger first: size,
 * signature over the exact bytes, signer = beat's peer, org, membership (a
 * member this node holds a verified card of: the beat carries no chain),
 * age and clock skew, then sequence.
 */
import { decodeLoadBeat, MAX_LOAD_BEAT_RECORD_BYTES, type LoadBeat } from '../../protocol/load/index.ts'
import { LOAD_BEAT_MAX_AGE_MS, LOAD_BEAT_MAX_SKEW_MS } from './constants.ts'
import { LoadBeatRejectedError } from './errors.ts'

export interface BeatVerifier {
  /** Verifies the signed record and returns signer and payload; throws on a bad signature or malformed record. */
  openRecord: (bytes: Uint8Array) => { publicKey: Uint8Array, payload: Uint8Array }
  peerIdOf: (publicKey: Uint8Array) => string
  orgId: string
  /** Whether a peer is a member now (admitted, or vouched for by its verified card) and not revoked. */
  isMember: (peerId: string) => boolean
  /** The newest beat sequence held for a peer. */
  knownSeq: (peerId: string) => number | undefined
  now?: () => number
}

export function verifyBeat (bytes: Uint8Array, v: BeatVerifier): LoadBeat {
  if (bytes.byteLength > MAX_LOAD_BEAT_RECORD_BYTES) throw new LoadBeatRejectedError('malformed')
  let opened
  try {
    opened = v.openRecord(bytes)
  } catch (err) {
    throw new LoadBeatRejectedError((err as Error).name === 'InvalidSignatureError' ? 'bad-signature' : 'malformed')
  }
  let beat: LoadBeat
  try { beat = decodeLoadBeat(opened.payload) } catch { throw new LoadBeatRejectedError('malformed') }
  let signer: string
  try { signer = v.peerIdOf(opened.publicKey) } catch { throw new LoadBeatRejectedError('signer-mismatch') }
  if (signer !== beat.peerId) throw new LoadBeatRejectedError('signer-mismatch')
  if (beat.org !== v.orgId) throw new LoadBeatRejectedError('wrong-org')
  if (!v.isMember(beat.peerId)) throw new LoadBeatRejectedError('not-member')
  const now = (v.now ?? Date.now)()
  if (beat.at < now - LOAD_BEAT_MAX_AGE_MS || beat.at > now + LOAD_BEAT_MAX_SKEW_MS) throw new LoadBeatRejectedError('stale')
  const known = v.knownSeq(beat.peerId)
  if (known != null && beat.seq <= known) throw new LoadBeatRejectedError('stale')
  return beat
}
