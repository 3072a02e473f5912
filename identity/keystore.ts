/**
 * Ed25519 key pairs on disk: the node's identity key and the org's root and
 * admin keys, each a secret file (see `secret-file.ts`) holding the 32-byte
 * seed, with the public key alongside so a locked file still shows whose it is.
 */
import { bytesEqual } from './bytes.ts'
import { KeyFileCorruptError } from './errors.ts'
import { keyPairFromSeed, type Ed25519KeyPair } from './keys.ts'
import { loadSecretFile, saveSecretFile } from './secret-file.ts'

/** Label of the node identity key file. */
export const NODE_KEY_LABEL = 'node-key'

export interface KeyFileInit {
  /** Encrypts the key at rest (the CLI passes `MYCEL_PASSPHRASE`); empty means none. */
  passphrase?: string
  /** scrypt cost as log2(N). @default 15 */
  scryptLogN?: number
}

/** Saves a key pair under `label`; refuses to overwrite (`KeyExistsError`). */
export async function saveKeyPair (path: string, kp: Ed25519KeyPair, label: string, init: KeyFileInit = {}): Promise<void> {
  await saveSecretFile(path, kp.secretKey, { label, publicKey: kp.publicKey, ...init })
}

/** Loads a key pair saved under `label`; checks the seed matches the stored public key. */
export async function loadKeyPair (path: string, label: string, init: KeyFileInit = {}): Promise<Ed25519KeyPair> {
  const file = await loadSecretFile(path, { label, ...(init.passphrase != null ? { passphrase: init.passphrase } : {}) })
  if (file.secret.byteLength !== 32) throw new KeyFileCorruptError()
  const kp = keyPairFromSeed(file.secret)
  file.secret.fill(0)
  if (file.publicKey == null || !bytesEqual(file.publicKey, kp.publicKey)) throw new KeyFileCorruptError('Key file is damaged: its secret and public key do not match')
  return kp
}

export async function saveNodeKey (path: string, kp: Ed25519KeyPair, init: KeyFileInit = {}): Promise<void> {
  await saveKeyPair(path, kp, NODE_KEY_LABEL, init)
}

export async function loadNodeKey (path: string, init: KeyFileInit = {}): Promise<Ed25519KeyPair> {
  return await loadKeyPair(path, NODE_KEY_LABEL, init)
}
