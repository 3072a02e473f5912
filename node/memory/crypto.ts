/**
 * Encryption at rest for memory values. With a key, every value is sealed
 * with XChaCha20-Poly1305 under a random 24-byte nonce, and the storage key
 * is the associated data, so a value copied under another key fails to open.
 * Names that would otherwise appear in storage keys (collection names, index
 * terms, source paths) become keyed hashes, so the key space leaks no words.
 * Without a key, values are stored as they are and names stay readable.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from 'node:crypto'
import { CorruptValueError } from './errors.ts'

const NONCE_BYTES = 24
const utf8 = new TextEncoder()

export interface ValueCodec {
  readonly encrypted: boolean
  seal: (storageKey: string, plain: Uint8Array) => Uint8Array
  open: (storageKey: string, sealed: Uint8Array) => Uint8Array
  /** A storage-key-safe token for a name (no "/"). */
  token: (kind: string, name: string) => string
}

export function valueCodec (encryptionKey?: Uint8Array): ValueCodec {
  if (encryptionKey == null) {
    return {
      encrypted: false,
      seal: (_k, plain) => plain,
      open: (_k, sealed) => sealed,
      token: (kind, name) => kind === 'doc' ? hex(sha256(utf8.encode(name))).slice(0, 32) : name.replaceAll('%', '%25').replaceAll('/', '%2F')
    }
  }
  if (encryptionKey.byteLength < 16) throw new RangeError('encryptionKey must be at least 16 bytes')
  const valueKey = hkdf(sha256, encryptionKey, utf8.encode('mycel/memory'), utf8.encode('value'), 32)
  const nameKey = hkdf(sha256, encryptionKey, utf8.encode('mycel/memory'), utf8.encode('name'), 32)
  return {
    encrypted: true,
    seal (storageKey, plain) {
      const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
      const ct = xchacha20poly1305(valueKey, nonce, utf8.encode(storageKey)).encrypt(plain)
      const out = new Uint8Array(NONCE_BYTES + ct.byteLength)
      out.set(nonce, 0)
      out.set(ct, NONCE_BYTES)
      return out
    },
    open (storageKey, sealed) {
      if (sealed.byteLength < NONCE_BYTES + 16) throw new CorruptValueError()
      try {
        return xchacha20poly1305(valueKey, sealed.subarray(0, NONCE_BYTES), utf8.encode(storageKey)).decrypt(sealed.subarray(NONCE_BYTES))
      } catch {
        throw new CorruptValueError()
      }
    },
    token: (kind, name) => b64url(hmac(sha256, nameKey, utf8.encode(`${kind}\u0000${name}`)).subarray(0, 16))
  }
}

function hex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

function b64url (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')
}
