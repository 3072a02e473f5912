/**
 * End-to-end encryption of task payloads and results between a delegator and
 * an executor: RFC 9180 HPKE base mode (X25519, HKDF-SHA256,
 * ChaCha20-Poly1305) bound to org, task id and both peer ids, with a key per
 * direction and a nonce per sequence number. No I/O; the only state beyond
 * the session object is a few ephemeral keys drawn ahead, each used once.
 *
 * @example
 * const executorKeys = generateEncryptionKeyPair()            // card carries executorKeys.publicKey
 * const ctx = { org, taskId, delegator: me, executor: peer }
 * const d = sealSession(executorKeys.publicKey, ctx)
 * const request = d.seal(promptBytes, 0)                       // send d.enc + request
 * const e = openSession(executorKeys, d.enc, ctx)
 * e.open(request, 0)                                           // → promptBytes
 * d.open(e.seal(chunkBytes, 7), 7)                             // result chunk 7
 */
import { generateKeyPair, publicKeyOf, type EncryptionKeyPair } from './hpke.ts'

export { sealSession, openSession, encodeSessionContext } from './session.ts'
export type { E2ESession, SessionContext, SessionRole } from './session.ts'
export type { EncryptionKeyPair } from './hpke.ts'
export { DecryptionFailedError, InvalidKeyError, InvalidSequenceError, InvalidSessionContextError } from './errors.ts'
export * from './constants.ts'

/** A fresh X25519 key pair for receiving delegated work (raw 32-byte keys). */
export function generateEncryptionKeyPair (): EncryptionKeyPair {
  return generateKeyPair()
}

/** The public half of a stored X25519 secret key. */
export function encryptionPublicKey (secretKey: Uint8Array): Uint8Array {
  return publicKeyOf(secretKey)
}
