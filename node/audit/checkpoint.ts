/**
 * Signed checkpoints: "my log had `size` entries with Merkle root `rootHash`
 * and chain head `headHash` at `time`", signed by the node's ed25519 key.
 * Wire and disk form: `CBOR({ body, sig })` where `body` is the CBOR of the
 * checkpoint and `sig` signs `"mycel/audit-checkpoint/1" || 0x00 || body`
 * (domain-separated, over the exact bytes). The signature is verified before
 * the body is decoded.
 */
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { bytes, literal, object, parse, uint } from '../../protocol/shape.ts'
import { CHECKPOINT_SIGNATURE_DOMAIN, MAX_CHECKPOINT_BYTES } from './constants.ts'
import { InvalidCheckpointError } from './errors.ts'
import type { Hash } from './merkle.ts'

export interface Checkpoint {
  /** Number of entries covered. */
  size: number
  /** RFC 6962 Merkle root over the first `size` entry hashes. */
  rootHash: Hash
  /** Hash of entry `size - 1` (32 zero bytes when empty). */
  headHash: Hash
  /** Milliseconds since the epoch, signer's clock. */
  time: number
}

export type SignFn = (message: Uint8Array) => Uint8Array
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

const Envelope = object({ body: bytes({ max: MAX_CHECKPOINT_BYTES }), sig: bytes({ max: 256 }) })
const Body = object({ v: literal(1), size: uint(), root: bytes({ length: 32 }), head: bytes({ length: 32 }), time: uint() })
const DOMAIN = new TextEncoder().encode(CHECKPOINT_SIGNATURE_DOMAIN + '\u0000')

function signedMessage (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.byteLength + body.byteLength)
  out.set(DOMAIN, 0)
  out.set(body, DOMAIN.byteLength)
  return out
}

export function signCheckpoint (cp: Checkpoint, sign: SignFn): Uint8Array {
  const body = encodeCbor({ v: 1, size: cp.size, root: cp.rootHash, head: cp.headHash, time: cp.time })
  return encodeCbor({ body, sig: sign(signedMessage(body)) })
}

/** Verifies a checkpoint's signature with `publicKey`, then decodes it; throws `InvalidCheckpointError`. */
export function openCheckpoint (data: Uint8Array, publicKey: Uint8Array, verify: VerifyFn): Checkpoint {
  let env: { body: Uint8Array, sig: Uint8Array }
  try {
    env = parse(Envelope, decodeCbor(data, { maxBytes: MAX_CHECKPOINT_BYTES }), 'checkpoint')
  } catch {
    throw new InvalidCheckpointError('Checkpoint is malformed')
  }
  let ok = false
  try { ok = verify(publicKey, signedMessage(env.body), env.sig) } catch { ok = false }
  if (!ok) throw new InvalidCheckpointError('Checkpoint signature does not verify')
  try {
    const b = parse(Body, decodeCbor(env.body, { maxBytes: MAX_CHECKPOINT_BYTES }), 'checkpoint body')
    return { size: b.size, rootHash: b.root, headHash: b.head, time: b.time }
  } catch {
    throw new InvalidCheckpointError('Checkpoint body is malformed')
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

export function checkpointToJson (cp: Checkpoint): Record<string, unknown> {
  return { size: cp.size, rootHash: hex(cp.rootHash), headHash: hex(cp.headHash), time: new Date(cp.time).toISOString() }
}
