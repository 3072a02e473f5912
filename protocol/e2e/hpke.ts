/**
 * RFC 9180 (HPKE) base mode for one suite: DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, ChaCha20-Poly1305 — kem 0x0020, kdf 0x0001, aead 0x0003.
 * https://www.rfc-editor.org/rfc/rfc9180.html
 *
 * Everything runs on node:crypto (native X25519, HMAC and AEAD). Two
 * departures from the RFC: the caller names the sequence number of each
 * message instead of an internal counter, so a streamed chunk opens only
 * under the sequence number it was sealed with; and one KEM encapsulation
 * serves several sessions to the same recipient, each with its own key
 * schedule over its own `info` (see `Encapsulation`).
 * Checked against the RFC's test vector A.2.1 in the tests.
 */
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPair as generateKeyPairAsync, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, ENCAPSULATION_MAX_AGE_MS, ENCAPSULATION_MAX_USES, ENCAPSULATIONS_KEPT, EPHEMERAL_KEYS_AHEAD, HASH_BYTES, MAX_SEQ, X25519_KEY_BYTES } from './constants.ts'
import { DecryptionFailedError, InvalidKeyError, InvalidSequenceError } from './errors.ts'

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')
const HPKE_V1 = Buffer.from('HPKE-v1')
const KEM_SUITE_ID = Buffer.from([0x4b, 0x45, 0x4d, 0x00, 0x20]) // "KEM" || 0x0020
const HPKE_SUITE_ID = Buffer.from([0x48, 0x50, 0x4b, 0x45, 0x00, 0x20, 0x00, 0x01, 0x00, 0x03]) // "HPKE" || kem || kdf || aead
const MODE_BASE = 0x00
const EMPTY = new Uint8Array(0)

export interface EncryptionKeyPair {
  /** Raw 32-byte X25519 public key; goes into the capability card. */
  publicKey: Uint8Array
  /** Raw 32-byte X25519 secret key; never leaves the node. */
  secretKey: Uint8Array
}

/** The RFC's encryption context, minus the implicit counter. */
export interface HpkeContext {
  key: Uint8Array
  baseNonce: Uint8Array
  exporterSecret: Uint8Array
}

// Importing a raw key into a KeyObject costs as much as the DH itself, and the
// executor's key pair and a peer's card key are used for many sessions: cache
// by array identity (a caller that mutates a key array in place gets stale
// results, so keys are treated as immutable, as everywhere in Mycel).
const secretKeyCache = new WeakMap<Uint8Array, KeyObject>()
const publicKeyCache = new WeakMap<Uint8Array, KeyObject>()

export function secretKeyObject (secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== X25519_KEY_BYTES) throw new InvalidKeyError('X25519 secret key must be 32 bytes')
  let key = secretKeyCache.get(secretKey)
  if (key == null) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' })
    secretKeyCache.set(secretKey, key)
  }
  return key
}

export function publicKeyObject (publicKey: Uint8Array, cache = true): KeyObject {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== X25519_KEY_BYTES) throw new InvalidKeyError('X25519 public key must be 32 bytes')
  let key = cache ? publicKeyCache.get(publicKey) : undefined
  if (key == null) {
    key = createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
    if (cache) publicKeyCache.set(publicKey, key)
  }
  return key
}

function rawPublic (key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519_PREFIX.length))
}

export function generateKeyPair (): EncryptionKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519')
  return {
    publicKey: rawPublic(publicKey),
    secretKey: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_X25519_PREFIX.length))
  }
}

/** The public key belonging to a raw X25519 secret key. */
export function publicKeyOf (secretKey: Uint8Array): Uint8Array {
  return rawPublic(createPublicKey(secretKeyObject(secretKey)))
}

interface Ephemeral { privateKey: KeyObject, enc: Uint8Array }

// Generating the ephemeral X25519 pair was the largest single step of a
// session's setup on the main thread (~0.2 ms). A few pairs are drawn ahead
// on libuv's thread pool instead, each used once; when none is ready the
// pair is drawn on the spot.
const ephemerals: Ephemeral[] = []
let drawing = false
const SPKI_DER = { publicKeyEncoding: { format: 'der', type: 'spki' } } as const

function drawAhead (): void {
  if (drawing || ephemerals.length >= EPHEMERAL_KEYS_AHEAD) return
  drawing = true
  generateKeyPairAsync('x25519', SPKI_DER as never, ((err: Error | null, publicKey: Buffer, privateKey: KeyObject) => {
    drawing = false
    if (err != null) return // the next session draws its own, and asks again
    ephemerals.push({ privateKey, enc: new Uint8Array(publicKey.subarray(SPKI_X25519_PREFIX.length)) })
    drawAhead()
  }) as never)
}

function takeEphemeral (): Ephemeral {
  const ready = ephemerals.pop()
  drawAhead()
  if (ready != null) return ready
  // only the public half encoded: @types/node has no overload for that mix, Node returns exactly this
  const pair = generateKeyPairSync('x25519', SPKI_DER as never) as unknown as { publicKey: Buffer, privateKey: KeyObject }
  return { privateKey: pair.privateKey, enc: new Uint8Array(pair.publicKey.subarray(SPKI_X25519_PREFIX.length)) }
}

/** DH(sk, pk), refusing the all-zero output of a low-order point (RFC 9180 §7.1.4). */
function dh (secretKey: KeyObject, publicKey: KeyObject): Uint8Array {
  let out: Uint8Array
  try {
    out = diffieHellman({ privateKey: secretKey, publicKey })
  } catch {
    throw new InvalidKeyError('X25519 key agreement failed (low-order public key)')
  }
  if (out.every(b => b === 0)) throw new InvalidKeyError('X25519 key agreement gave zero (low-order public key)')
  return out
}

// A session runs ten HMACs over a few dozen bytes each: on Node 24 the
// native one takes about half the time of @noble/hashes' (3.7 us against
// 6.8 us here), object setup included.
function hmac (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return h.digest()
}

function i2osp2 (n: number): Uint8Array {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff])
}

function labeledExtract (suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  // HKDF-Extract with an empty salt uses a zero key of hash length (RFC 5869 §2.2)
  return hmac(salt.byteLength === 0 ? new Uint8Array(HASH_BYTES) : salt, HPKE_V1, suiteId, Buffer.from(label), ikm)
}

function labeledExpand (suiteId: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
  const labeledInfo = Buffer.concat([i2osp2(length), HPKE_V1, suiteId, Buffer.from(label), info])
  const out = new Uint8Array(length)
  let prev: Uint8Array = EMPTY
  for (let i = 1, filled = 0; filled < length; i++) {
    prev = hmac(prk, prev, labeledInfo, new Uint8Array([i]))
    out.set(prev.subarray(0, Math.min(prev.byteLength, length - filled)), filled)
    filled += prev.byteLength
  }
  return out
}

function extractAndExpand (dhOut: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE_ID, EMPTY, 'eae_prk', dhOut)
  return labeledExpand(KEM_SUITE_ID, prk, 'shared_secret', kemContext, HASH_BYTES)
}

// base mode has no PSK, so psk_id_hash is a constant
const PSK_ID_HASH = labeledExtract(HPKE_SUITE_ID, EMPTY, 'psk_id_hash', EMPTY)

/**
 * KeySchedule's `secret` from the KEM's DH output: base mode makes it depend
 * on the shared secret alone, so it is what an encapsulation keeps.
 */
function scheduleSecret (dhOut: Uint8Array, enc: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  const sharedSecret = extractAndExpand(dhOut, Buffer.concat([enc, recipientPublicKey]))
  return labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', EMPTY)
}

function keySchedule (secret: Uint8Array, info: Uint8Array): HpkeContext {
  const infoHash = labeledExtract(HPKE_SUITE_ID, EMPTY, 'info_hash', info)
  const context = Buffer.concat([new Uint8Array([MODE_BASE]), PSK_ID_HASH, infoHash])
  return {
    key: labeledExpand(HPKE_SUITE_ID, secret, 'key', context, AEAD_KEY_BYTES),
    baseNonce: labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', context, AEAD_NONCE_BYTES),
    exporterSecret: labeledExpand(HPKE_SUITE_ID, secret, 'exp', context, HASH_BYTES)
  }
}

/**
 * One encapsulation to a recipient, reused for its next sessions. The DH,
 * the key import and the KEM's key derivation were most of a session's
 * setup (about 0.3 ms of two nodes' CPU a task); every session still runs
 * its own key schedule over its own `info` (org, task id, both peers), so no
 * two sessions share a key or nonce, and a receiver that keeps nothing
 * derives the same keys. Reuse ends after `ENCAPSULATION_MAX_USES` sessions
 * or `ENCAPSULATION_MAX_AGE_MS`, whichever comes first.
 */
interface Encapsulation { enc: Uint8Array, secret: Uint8Array, uses: number, until: number }

const sent = new Map<string, Encapsulation>()
/** What a receiver derived per `enc`, most recently used last; bounded, so unknown `enc`s cost a DH each, as before. */
const received = new Map<string, Uint8Array>()

const keyId = (...parts: Uint8Array[]): string => parts.map(p => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('latin1')).join('')

/** Forgets every kept encapsulation, both ways (tests, and a node that rotates its keys). */
export function forgetEncapsulations (): void {
  sent.clear()
  received.clear()
}

function encapsulate (recipientPublicKey: Uint8Array): Encapsulation {
  const id = keyId(recipientPublicKey)
  const now = Date.now()
  const kept = sent.get(id)
  if (kept != null && kept.uses < ENCAPSULATION_MAX_USES && now < kept.until) {
    kept.uses++
    return kept
  }
  const pkR = publicKeyObject(recipientPublicKey)
  const { privateKey: skE, enc } = takeEphemeral()
  const secret = scheduleSecret(dh(skE, pkR), enc, recipientPublicKey)
  const fresh = { enc, secret, uses: 1, until: now + ENCAPSULATION_MAX_AGE_MS }
  if (sent.size >= ENCAPSULATIONS_KEPT && kept == null) sent.delete(sent.keys().next().value as string)
  sent.set(id, fresh)
  return fresh
}

function decapsulate (enc: Uint8Array, recipient: EncryptionKeyPair): Uint8Array {
  const id = keyId(enc, recipient.publicKey)
  const kept = received.get(id)
  if (kept != null) {
    received.delete(id)
    received.set(id, kept)
    return kept
  }
  const skR = secretKeyObject(recipient.secretKey)
  const pkE = publicKeyObject(enc, false) // from the wire: only what decapsulated is kept
  const secret = scheduleSecret(dh(skR, pkE), enc, recipient.publicKey)
  if (received.size >= ENCAPSULATIONS_KEPT) received.delete(received.keys().next().value as string)
  received.set(id, secret)
  return secret
}

/**
 * SetupBaseS: encapsulates to `recipientPublicKey`, reusing this process's
 * current encapsulation to it (see `Encapsulation`). `ephemeralSecretKey` is
 * for test vectors only: it always encapsulates afresh.
 */
export function setupBaseS (recipientPublicKey: Uint8Array, info: Uint8Array, ephemeralSecretKey?: Uint8Array): { enc: Uint8Array, context: HpkeContext } {
  if (ephemeralSecretKey == null) {
    if (!(recipientPublicKey instanceof Uint8Array) || recipientPublicKey.byteLength !== X25519_KEY_BYTES) throw new InvalidKeyError('X25519 public key must be 32 bytes')
    const { enc, secret } = encapsulate(recipientPublicKey)
    return { enc, context: keySchedule(secret, info) }
  }
  const pkR = publicKeyObject(recipientPublicKey)
  const skE = secretKeyObject(new Uint8Array(ephemeralSecretKey))
  const enc = rawPublic(createPublicKey(skE))
  return { enc, context: keySchedule(scheduleSecret(dh(skE, pkR), enc, recipientPublicKey), info) }
}

/** SetupBaseR: decapsulates `enc` with the recipient's key pair. */
export function setupBaseR (enc: Uint8Array, recipient: EncryptionKeyPair, info: Uint8Array): HpkeContext {
  return keySchedule(decapsulate(enc, recipient), info)
}

/** Secret export (RFC 9180 §5.3). */
export function exportSecret (context: HpkeContext, exporterContext: Uint8Array, length: number): Uint8Array {
  return labeledExpand(HPKE_SUITE_ID, context.exporterSecret, 'sec', exporterContext, length)
}

/** base_nonce XOR I2OSP(seq, Nn) (RFC 9180 §5.2). */
export function nonceFor (baseNonce: Uint8Array, seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > MAX_SEQ) throw new InvalidSequenceError()
  const nonce = new Uint8Array(baseNonce)
  const hi = Math.floor(seq / 2 ** 32)
  const lo = seq >>> 0
  const n = nonce.byteLength
  for (let i = 0; i < 4; i++) {
    nonce[n - 1 - i]! ^= (lo >>> (8 * i)) & 0xff
    nonce[n - 5 - i]! ^= (hi >>> (8 * i)) & 0xff
  }
  return nonce
}

export function aeadSeal (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES })
  cipher.setAAD(aad, { plaintextLength: plaintext.byteLength })
  const body = cipher.update(plaintext)
  cipher.final()
  const out = new Uint8Array(body.byteLength + AEAD_TAG_BYTES)
  out.set(body, 0)
  out.set(cipher.getAuthTag(), body.byteLength)
  return out
}

export function aeadOpen (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (!(ciphertext instanceof Uint8Array) || ciphertext.byteLength < AEAD_TAG_BYTES) throw new DecryptionFailedError()
  const split = ciphertext.byteLength - AEAD_TAG_BYTES
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: AEAD_TAG_BYTES })
    decipher.setAAD(aad, { plaintextLength: split })
    decipher.setAuthTag(ciphertext.subarray(split))
    const body = decipher.update(ciphertext.subarray(0, split))
    decipher.final()
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  } catch {
    throw new DecryptionFailedError()
  }
}
