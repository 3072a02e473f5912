/**
 * Ed25519 keys. `@noble/ed25519` generates and derives keys; the hot path
 * (sign and verify) runs on Node's native Ed25519 (OpenSSL) with the same
 * keys, because noble's pure JS is ~10x slower there (one core here: ~2,700
 * signs/s and ~800 verifies/s, against ~24,000 and ~9,000 native). Ed25519 signing is deterministic, so both produce
 * identical signatures; `verify` adds noble's strict-mode key checks so the two
 * verifiers agree. See docs/decisions.md.
 */
import { createPrivateKey, createPublicKey, sign as nativeSign, verify as nativeVerify, type KeyObject } from 'node:crypto'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { VERIFY_KEY_CACHE_SIZE } from './constants.ts'
import { bytesEqual } from './bytes.ts'
import { InvalidKeyError } from './errors.ts'

// noble's synchronous API needs a SHA-512; this is the documented way to give it one
ed.hashes.sha512 = sha512

export interface Ed25519KeyPair {
  /** The 32-byte RFC 8032 seed. Secret. */
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows. */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

export function generateKeyPair (): Ed25519KeyPair {
  return keyPairFromSeed(ed.utils.randomSecretKey())
}

export function keyPairFromSeed (seed: Uint8Array): Ed25519KeyPair {
  checkSeed(seed)
  const secretKey = Uint8Array.from(seed)
  // OpenSSL derives the public key: noble's first use builds tables, tens of ms on every start
  const spki = createPublicKey(nativePrivateKey(secretKey)).export({ format: 'der', type: 'spki' })
  return { secretKey, publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)) }
}

/** Signs `msg` with the 32-byte seed; returns the 64-byte RFC 8032 signature. */
export function sign (secretKey: Uint8Array, msg: Uint8Array): Uint8Array {
  const key = nativePrivateKey(secretKey)
  return new Uint8Array(nativeSign(null, msg, key))
}

/** Signs with noble's pure-JS code; same bytes as `sign`, for comparison and tests. */
export function signNoble (secretKey: Uint8Array, msg: Uint8Array): Uint8Array {
  checkSeed(secretKey)
  return ed.sign(msg, secretKey)
}

/**
 * Verifies with Node's native Ed25519. Never throws: anything that is not a
 * valid signature of `msg` by `publicKey` (wrong lengths, keys off the curve,
 * small-order keys, non-canonical encodings) is `false`.
 */
export function verify (publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== 32) return false
  if (!(sig instanceof Uint8Array) || sig.byteLength !== 64) return false
  if (!(msg instanceof Uint8Array)) return false
  const key = nativeKey(publicKey)
  if (key === null) return false
  try {
    return nativeVerify(null, msg, key, sig)
  } catch {
    return false
  }
}

/** Verifies with noble's pure-JS code in its strict RFC 8032 mode; for comparison and tests. */
export function verifyNoble (publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return ed.verify(sig, msg, publicKey, { zip215: false })
  } catch {
    return false
  }
}

/** DER prefix of an Ed25519 PKCS #8 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

/**
 * Native private keys per secret-key array: a node signs with one key all day,
 * and importing it costs twice the signature. The seed is compared on every
 * hit so an array whose contents changed never signs with a stale key.
 */
const privateKeys = new WeakMap<Uint8Array, { seed: Uint8Array, key: KeyObject }>()

function nativePrivateKey (secretKey: Uint8Array): KeyObject {
  checkSeed(secretKey)
  const hit = privateKeys.get(secretKey)
  if (hit !== undefined && bytesEqual(hit.seed, secretKey)) return hit.key
  const der = new Uint8Array(PKCS8_PREFIX.length + 32)
  der.set(PKCS8_PREFIX)
  der.set(secretKey, PKCS8_PREFIX.length)
  const key = createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' })
  der.fill(0)
  privateKeys.set(secretKey, { seed: Uint8Array.from(secretKey), key })
  return key
}

function checkSeed (secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== 32) throw new InvalidKeyError('Invalid secret key: expected a 32-byte seed')
}

/** Bounded LRU of native public keys: the same peers verify again and again. */
const keyCache = new Map<string, KeyObject | null>()

function nativeKey (publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, 32).toString('latin1')
  const hit = keyCache.get(id)
  if (hit !== undefined) {
    keyCache.delete(id)
    keyCache.set(id, hit)
    return hit
  }
  const key = importPublicKey(publicKey)
  if (keyCache.size >= VERIFY_KEY_CACHE_SIZE) {
    const oldest = keyCache.keys().next().value
    if (oldest !== undefined) keyCache.delete(oldest)
  }
  keyCache.set(id, key)
  return key
}

function importPublicKey (publicKey: Uint8Array): KeyObject | null {
  try {
    // the checks noble's strict mode makes and OpenSSL does not: canonical y, not of small order
    const point = ed.Point.fromBytes(publicKey, false)
    if (point.isSmallOrder()) return null
    const der = new Uint8Array(SPKI_PREFIX.length + 32)
    der.set(SPKI_PREFIX)
    der.set(publicKey, SPKI_PREFIX.length)
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
  } catch {
    return null
  }
}
