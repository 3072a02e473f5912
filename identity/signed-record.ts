/**
 * Signed records, modelled on libp2p's record envelope
 * (https://github.com/libp2p/specs/blob/master/RFC/0002-signed-envelopes.md):
 * the signature covers `domain || payloadType || payload`, each prefixed with
 * its unsigned-varint length, over the exact payload bytes as they travel.
 * The domain keeps a signature made for one purpose from being replayed as
 * another. Payloads are CBOR, but a record never re-encodes them: it carries
 * the bytes that were signed, and `openSignedRecord` verifies the signature
 * before anyone decodes the payload.
 *
 * Wire form: the CBOR array `[payloadType, publicKey, payload, signature]`
 * (an array, not a map, because records ride inside invites that people copy).
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { InvalidSignatureError, MalformedMessageError } from '../protocol/errors.ts'
import { bytes, str } from '../protocol/shape.ts'
import { lengthPrefixed } from './bytes.ts'
import { sign, verify, type Ed25519KeyPair } from './keys.ts'

export interface SignedRecord {
  /** The signer's Ed25519 public key. */
  publicKey: Uint8Array
  /** What the payload is, e.g. `mycel/membership-cert/1`. */
  payloadType: string
  /** The exact bytes that were signed. */
  payload: Uint8Array
  signature: Uint8Array
}

export interface OpenSignedRecordInit {
  /** The signing domain the record must have been made for, e.g. `mycel-membership-cert`. */
  domain: string
  /** When given, any other payload type is refused. */
  payloadType?: string
  /** Largest encoded record accepted. */
  maxBytes: number
}

export interface OpenedRecord {
  publicKey: Uint8Array
  payloadType: string
  payload: Uint8Array
}

const PAYLOAD_TYPE = str({ min: 1, max: 128 })
const PUBLIC_KEY = bytes({ length: 32 })
const SIGNATURE = bytes({ length: 64 })

/** The bytes a record's signature covers. */
export function recordSigningBytes (domain: string, payloadType: string, payload: Uint8Array): Uint8Array {
  return lengthPrefixed(domain, payloadType, payload)
}

export function signRecord (kp: Ed25519KeyPair, domain: string, payloadType: string, payload: Uint8Array): SignedRecord {
  const signature = sign(kp.secretKey, recordSigningBytes(domain, payloadType, payload))
  return { publicKey: kp.publicKey, payloadType, payload, signature }
}

export function encodeSignedRecord (rec: SignedRecord): Uint8Array {
  return encodeCbor([rec.payloadType, rec.publicKey, rec.payload, rec.signature])
}

/** Decodes a record's envelope without checking its signature; prefer `openSignedRecord`. */
export function decodeSignedRecord (data: Uint8Array, maxBytes: number): SignedRecord {
  const value = decodeCbor(data, { maxBytes })
  if (!Array.isArray(value) || value.length !== 4) throw new MalformedMessageError('Malformed signed record: expected [payloadType, publicKey, payload, signature]')
  try {
    return {
      payloadType: PAYLOAD_TYPE(value[0], 'payloadType'),
      publicKey: PUBLIC_KEY(value[1], 'publicKey'),
      payload: bytes({ max: maxBytes })(value[2], 'payload'),
      signature: SIGNATURE(value[3], 'signature')
    }
  } catch (err) {
    throw new MalformedMessageError(`Malformed signed record: ${(err as Error).message}`)
  }
}

/** Decodes a record and verifies its signature for `domain`; the payload is returned still encoded. */
export function openSignedRecord (data: Uint8Array, init: OpenSignedRecordInit): OpenedRecord {
  const rec = decodeSignedRecord(data, init.maxBytes)
  if (init.payloadType != null && rec.payloadType !== init.payloadType) {
    throw new MalformedMessageError(`Unexpected record type: expected ${init.payloadType}`)
  }
  if (!verifySignedRecord(rec, init.domain)) throw new InvalidSignatureError('Signature on signed record does not verify')
  return { publicKey: rec.publicKey, payloadType: rec.payloadType, payload: rec.payload }
}

export function verifySignedRecord (rec: SignedRecord, domain: string): boolean {
  return verify(rec.publicKey, recordSigningBytes(domain, rec.payloadType, rec.payload), rec.signature)
}
