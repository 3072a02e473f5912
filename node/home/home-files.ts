/**
 * Files in the home a node creates on first start when they are missing:
 * the policy (the founder's default, written out so it can be read and
 * edited) and the X25519 key task inputs are encrypted to.
 */
import { defaultFounderPolicy, formatPolicy } from '../policy/defaults.ts'
import { loadPolicyFile } from '../policy/load.ts'
import type { Policy } from '../policy/types.ts'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import { loadSecretFile, saveSecretFile } from '../../identity/secret-file.ts'
import { encryptionPublicKey, generateEncryptionKeyPair, type EncryptionKeyPair } from '../../protocol/e2e/index.ts'

const ENCRYPTION_KEY_LABEL = 'encryption-key'

/** Loads the policy file (an invalid one throws, naming the line), writing the default first if there is none. */
export async function loadOrWritePolicy (path: string): Promise<Policy> {
  try {
    return await loadPolicyFile(path)
  } catch (err) {
    if ((err as Error).name !== 'PolicyFileNotFoundError') throw err
    await writeFileAtomic(path, new TextEncoder().encode(formatPolicy(defaultFounderPolicy())), { mode: 0o600 })
    return await loadPolicyFile(path)
  }
}

/** Loads the node's encryption key pair, creating it (0600, encrypted with the passphrase if any) the first time. */
export async function loadOrCreateEncryptionKeys (path: string, passphrase?: string): Promise<EncryptionKeyPair> {
  const opts = { label: ENCRYPTION_KEY_LABEL, ...(passphrase != null ? { passphrase } : {}) }
  try {
    const file = await loadSecretFile(path, opts)
    return { secretKey: file.secret, publicKey: encryptionPublicKey(file.secret) }
  } catch (err) {
    if ((err as Error).name !== 'KeyNotFoundError') throw err
    const keys = generateEncryptionKeyPair()
    await saveSecretFile(path, keys.secretKey, opts)
    return keys
  }
}
