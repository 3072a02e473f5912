/**
 * Secret files at rest: node keys, org root and admin keys, the mesh's
 * pre-shared key. CBOR `{v: 1, kind: 'plain' | 'encrypted', label, …}`, mode
 * 0600, written atomically and never over an existing file.
 *
 * With a passphrase the secret is sealed with ChaCha20-Poly1305 under a key
 * from scrypt (memory-hard, RFC 7914); the cost parameters, salt and nonce are
 * stored in the file. The header (label, public key, KDF parameters) is bound
 * as associated data, so swapping any of it breaks decryption.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { bytes, literal, object, oneOf, optional, parse, str, uint, type Infer } from '../protocol/shape.ts'
import { lengthPrefixed } from './bytes.ts'
import { writeFileAtomic } from './atomic-write.ts'
import { KEY_FILE_MAX_BYTES, SCRYPT_LOG_N, SCRYPT_P, SCRYPT_R } from './constants.ts'
import { KeyExistsError, KeyFileCorruptError, KeyNotFoundError, PassphraseRequiredError, WrongPassphraseError } from './errors.ts'

export interface SaveSecretFileInit {
  /** What the file holds, checked on load, e.g. `node-key`. */
  label: string
  /** Encrypts the secret at rest; an empty string means none. */
  passphrase?: string
  /** Stored in clear (authenticated) so the owner can be shown without the passphrase. */
  publicKey?: Uint8Array
  /** scrypt cost as log2(N). @default 15 */
  scryptLogN?: number
}

export interface LoadSecretFileInit {
  /** The label the file must carry. */
  label: string
  passphrase?: string
}

export interface SecretFileContents {
  label: string
  secret: Uint8Array
  publicKey?: Uint8Array
}

export interface SecretFileInfo {
  label: string
  encrypted: boolean
  publicKey?: Uint8Array
}

const AEAD = 'chacha20-poly1305'
const LABEL = str({ min: 1, max: 64 })
const KdfShape = object({
  name: literal('scrypt'),
  logN: uint({ min: 10, max: 18 }),
  r: uint({ min: 1, max: 16 }),
  p: uint({ min: 1, max: 4 }),
  salt: bytes({ length: 16 })
})
const FileShape = object({
  v: literal(1),
  kind: oneOf(['plain', 'encrypted']),
  label: LABEL,
  publicKey: optional(bytes({ length: 32 })),
  secret: optional(bytes({ max: 1024 })),
  kdf: optional(KdfShape),
  aead: optional(literal(AEAD)),
  nonce: optional(bytes({ length: 12 })),
  ciphertext: optional(bytes({ max: 1024 + 16 }))
})
type SecretFile = Infer<typeof FileShape>
type Kdf = Infer<typeof KdfShape>

/** Encodes a secret file; pure apart from the randomness. */
export async function sealSecretFile (secret: Uint8Array, init: SaveSecretFileInit): Promise<Uint8Array> {
  LABEL(init.label, 'label')
  const passphrase = normalise(init.passphrase)
  const base = { v: 1, label: init.label, ...(init.publicKey != null ? { publicKey: init.publicKey } : {}) }
  if (passphrase === undefined) return encodeCbor({ ...base, kind: 'plain', secret })
  const kdf: Kdf = { name: 'scrypt', logN: init.scryptLogN ?? SCRYPT_LOG_N, r: SCRYPT_R, p: SCRYPT_P, salt: new Uint8Array(randomBytes(16)) }
  const key = await deriveKey(passphrase, kdf)
  const nonce = new Uint8Array(randomBytes(12))
  const cipher = createCipheriv(AEAD, key, nonce, { authTagLength: 16 })
  cipher.setAAD(associatedData(init.label, init.publicKey, kdf), { plaintextLength: secret.byteLength })
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]))
  key.fill(0)
  return encodeCbor({ ...base, kind: 'encrypted', kdf, aead: AEAD, nonce, ciphertext })
}

/** Decodes and, if needed, decrypts a secret file's bytes. */
export async function openSecretFile (fileBytes: Uint8Array, init: LoadSecretFileInit): Promise<SecretFileContents> {
  const file = decodeSecretFile(fileBytes)
  if (file.label !== init.label) throw new KeyFileCorruptError(`Key file holds a ${file.label}, expected a ${init.label}`)
  const withPub = file.publicKey != null ? { publicKey: file.publicKey } : {}
  if (file.kind === 'plain') {
    if (file.secret == null) throw new KeyFileCorruptError()
    return { label: file.label, secret: file.secret, ...withPub }
  }
  const passphrase = normalise(init.passphrase)
  if (passphrase === undefined) throw new PassphraseRequiredError()
  if (file.kdf == null || file.nonce == null || file.ciphertext == null || file.ciphertext.byteLength <= 16) throw new KeyFileCorruptError()
  const key = await deriveKey(passphrase, file.kdf)
  const body = file.ciphertext.subarray(0, file.ciphertext.byteLength - 16)
  const tag = file.ciphertext.subarray(file.ciphertext.byteLength - 16)
  try {
    const decipher = createDecipheriv(AEAD, key, file.nonce, { authTagLength: 16 })
    decipher.setAAD(associatedData(file.label, file.publicKey, file.kdf), { plaintextLength: body.byteLength })
    decipher.setAuthTag(tag)
    const secret = new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
    return { label: file.label, secret, ...withPub }
  } catch {
    throw new WrongPassphraseError()
  } finally {
    key.fill(0)
  }
}

/** Writes a secret file (mode 0600); `KeyExistsError` if one is already there. */
export async function saveSecretFile (path: string, secret: Uint8Array, init: SaveSecretFileInit): Promise<void> {
  const data = await sealSecretFile(secret, init)
  try {
    await writeFileAtomic(path, data, { mode: 0o600, overwrite: false })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyExistsError(`A key file already exists at ${path}; refusing to overwrite it`)
    throw err
  }
}

export async function loadSecretFile (path: string, init: LoadSecretFileInit): Promise<SecretFileContents> {
  return await openSecretFile(await readKeyFile(path), init)
}

/** What a secret file holds, without the passphrase. */
export async function inspectSecretFile (path: string): Promise<SecretFileInfo> {
  const file = decodeSecretFile(await readKeyFile(path))
  return { label: file.label, encrypted: file.kind === 'encrypted', ...(file.publicKey != null ? { publicKey: file.publicKey } : {}) }
}

async function readKeyFile (path: string): Promise<Uint8Array> {
  try {
    const data = await readFile(path)
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeyNotFoundError(`No key file at ${path}`)
    throw err
  }
}

function decodeSecretFile (fileBytes: Uint8Array): SecretFile {
  let file: SecretFile
  try {
    file = parse(FileShape, decodeCbor(fileBytes, { maxBytes: KEY_FILE_MAX_BYTES }), 'key file')
  } catch {
    throw new KeyFileCorruptError()
  }
  const plain = file.kind === 'plain'
  if (file.secret?.byteLength === 0) throw new KeyFileCorruptError()
  if (plain !== (file.secret != null) || plain === (file.ciphertext != null) || plain === (file.kdf != null) ||
    plain === (file.nonce != null) || plain === (file.aead != null)) throw new KeyFileCorruptError()
  return file
}

function normalise (passphrase: string | undefined): string | undefined {
  if (passphrase == null || passphrase === '') return undefined
  return passphrase.normalize('NFKC')
}

async function deriveKey (passphrase: string, kdf: Kdf): Promise<Buffer> {
  const N = 2 ** kdf.logN
  return await new Promise((resolve, reject) => {
    scrypt(passphrase, kdf.salt, 32, { N, r: kdf.r, p: kdf.p, maxmem: 256 * N * kdf.r + 1024 * 1024 }, (err, key) => {
      if (err != null) reject(new KeyFileCorruptError('Key file has unusable key-derivation parameters'))
      else resolve(key)
    })
  })
}

function associatedData (label: string, publicKey: Uint8Array | undefined, kdf: Kdf): Uint8Array {
  return lengthPrefixed('mycel-secret-file/1', label, publicKey ?? new Uint8Array(0), kdf.name,
    String(kdf.logN), String(kdf.r), String(kdf.p), kdf.salt, AEAD)
}
