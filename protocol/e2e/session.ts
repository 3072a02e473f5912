/**
 * Mycel's end-to-end session over one task: HPKE base mode to the executor's
 * X25519 key, bound to (org, task id, delegator, executor), with one key per
 * direction and a nonce per sequence number.
 *
 * - delegator→executor uses the HPKE context's own key and base nonce, so the
 *   request payload (seq 0) is exactly RFC 9180 `SealBase`;
 * - executor→delegator uses a key and base nonce exported from the same
 *   context under a direction label (as OHTTP, RFC 9458 §4.4, derives its
 *   response key), so a chunk can never be reflected back as a request.
 *
 * The binding sits twice: in HPKE `info` (so a session for another task or
 * peer derives other keys) and as AEAD associated data of every message.
 */
import { encodeCbor } from '../cbor.ts'
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, MAX_CONTEXT_FIELD_CHARS, RESPONSE_EXPORT_LABEL, SESSION_LABEL, X25519_KEY_BYTES } from './constants.ts'
import { DecryptionFailedError, InvalidKeyError, InvalidSessionContextError } from './errors.ts'
import { aeadOpen, aeadSeal, exportSecret, nonceFor, secretKeyObject, setupBaseR, setupBaseS, type EncryptionKeyPair, type HpkeContext } from './hpke.ts'

/** Who talks to whom about what; both sides must state the same. */
export interface SessionContext {
  /** The org, by its root public key (as the membership layer names it). */
  org: string
  taskId: string
  /** Peer id of the node that delegates (sends the request). */
  delegator: string
  /** Peer id of the node that executes (owns the X25519 key). */
  executor: string
}

export type SessionRole = 'delegator' | 'executor'

export interface E2ESession {
  readonly role: SessionRole
  /** The sender's ephemeral public key; travels in clear with the request. */
  readonly enc: Uint8Array
  /** Seals a message in this role's sending direction under sequence number `seq`. */
  seal: (plaintext: Uint8Array, seq: number) => Uint8Array
  /** Opens a message of the other direction; throws `DecryptionFailedError` unless key, context and `seq` all match. */
  open: (ciphertext: Uint8Array, seq: number) => Uint8Array
}

interface DirectionKey { key: Uint8Array, baseNonce: Uint8Array }

export function encodeSessionContext (ctx: SessionContext): Uint8Array {
  const fields = [ctx?.org, ctx?.taskId, ctx?.delegator, ctx?.executor]
  for (const f of fields) {
    if (typeof f !== 'string' || f.length === 0 || f.length > MAX_CONTEXT_FIELD_CHARS) throw new InvalidSessionContextError()
  }
  // a CBOR array of strings is self-delimiting: ("ab","c") and ("a","bc") differ
  return encodeCbor([SESSION_LABEL, ...fields])
}

function directionKeys (context: HpkeContext): { toExecutor: DirectionKey, toDelegator: DirectionKey } {
  const exported = exportSecret(context, new TextEncoder().encode(RESPONSE_EXPORT_LABEL), AEAD_KEY_BYTES + AEAD_NONCE_BYTES)
  return {
    toExecutor: { key: context.key, baseNonce: context.baseNonce },
    toDelegator: { key: exported.subarray(0, AEAD_KEY_BYTES), baseNonce: exported.subarray(AEAD_KEY_BYTES) }
  }
}

function makeSession (role: SessionRole, enc: Uint8Array, context: HpkeContext, aad: Uint8Array): E2ESession {
  const { toExecutor, toDelegator } = directionKeys(context)
  const out = role === 'delegator' ? toExecutor : toDelegator
  const inb = role === 'delegator' ? toDelegator : toExecutor
  return {
    role,
    enc,
    seal: (plaintext, seq) => aeadSeal(out.key, nonceFor(out.baseNonce, seq), aad, plaintext),
    open: (ciphertext, seq) => {
      let nonce: Uint8Array
      try { nonce = nonceFor(inb.baseNonce, seq) } catch { throw new DecryptionFailedError() }
      return aeadOpen(inb.key, nonce, aad, ciphertext)
    }
  }
}

/**
 * The delegator's side: encapsulates to the executor's X25519 public key (from
 * its verified capability card). Send `session.enc` along with the request.
 */
export function sealSession (executorPublicKey: Uint8Array, ctx: SessionContext): E2ESession {
  const info = encodeSessionContext(ctx)
  const { enc, context } = setupBaseS(executorPublicKey, info)
  return makeSession('delegator', enc, context, info)
}

/**
 * The executor's side: decapsulates the request's `enc` with its own key
 * pair. A malformed or low-order `enc` is refused as `DecryptionFailedError`,
 * since it is bytes from outside; a bad local key pair is `InvalidKeyError`.
 */
export function openSession (executorKeyPair: EncryptionKeyPair, enc: Uint8Array, ctx: SessionContext): E2ESession {
  const info = encodeSessionContext(ctx)
  if (!(executorKeyPair?.publicKey instanceof Uint8Array) || executorKeyPair.publicKey.byteLength !== X25519_KEY_BYTES) {
    throw new InvalidKeyError('Executor public key must be 32 bytes')
  }
  secretKeyObject(executorKeyPair.secretKey) // a bad local key is InvalidKeyError, raised before touching enc
  if (!(enc instanceof Uint8Array) || enc.byteLength !== X25519_KEY_BYTES) throw new DecryptionFailedError('Session does not open: invalid encapsulated key')
  let context: HpkeContext
  try {
    context = setupBaseR(enc, executorKeyPair, info)
  } catch (err) {
    // the local key was checked above, so what fails here is enc (a low-order point from the wire)
    if (err instanceof InvalidKeyError) throw new DecryptionFailedError('Session does not open: invalid encapsulated key')
    throw err
  }
  return makeSession('executor', new Uint8Array(enc), context, info)
}
