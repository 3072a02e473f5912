/**
 * The mesh's pre-shared key at rest: the secret file `org-psk`, sealed with
 * `MYCEL_PASSPHRASE` like the identity key, or 0600 in clear without one.
 * A home from before kept it in `node.json`; the first load moves it into
 * the file (written before node.json is rewritten, so a crash between the
 * two loses nothing) and seals a clear file once a passphrase is given.
 */
import { access, rm } from 'node:fs/promises'
import { inspectSecretFile, loadSecretFile, saveSecretFile } from '../../identity/secret-file.ts'
import { fromHex } from '../../identity/bytes.ts'
import { PSK_BYTES } from '../../identity/psk.ts'
import { ConfigError, saveNodeConfig, type NodeConfig } from './config.ts'
import type { HomePaths } from './home.ts'

export const ORG_PSK_LABEL = 'org-psk'

export interface OrgPsk {
  psk: Uint8Array
  /** Whether the file is sealed with the passphrase. */
  encrypted: boolean
  /** Whether this load moved it out of node.json or sealed a clear file. */
  migrated: boolean
}

/** Writes the key file, replacing any earlier one. */
export async function saveOrgPsk (path: string, psk: Uint8Array, passphrase: string | undefined): Promise<void> {
  if (psk.byteLength !== PSK_BYTES) throw new ConfigError(`The mesh key must be ${PSK_BYTES} bytes`)
  await rm(path, { force: true })
  await saveSecretFile(path, psk, { label: ORG_PSK_LABEL, ...(passphrase != null && passphrase !== '' ? { passphrase } : {}) })
}

/** The mesh key of a home that joined an org, migrating an older home on the way. */
export async function loadOrgPsk (paths: Pick<HomePaths, 'orgPsk' | 'nodeConfig'>, config: NodeConfig, passphrase: string | undefined): Promise<OrgPsk> {
  const sealing = passphrase != null && passphrase !== ''
  const legacy = config.org?.psk
  if (await exists(paths.orgPsk)) {
    const { secret } = await loadSecretFile(paths.orgPsk, { label: ORG_PSK_LABEL, ...(sealing ? { passphrase } : {}) })
    let encrypted = (await inspectSecretFile(paths.orgPsk)).encrypted
    let migrated = false
    if (!encrypted && sealing) { await saveOrgPsk(paths.orgPsk, secret, passphrase); encrypted = migrated = true }
    // a crash after the file but before node.json was rewritten left the clear copy there
    if (legacy != null) { await saveNodeConfig(paths.nodeConfig, config); migrated = true }
    return { psk: secret, encrypted, migrated }
  }
  if (legacy == null) throw new ConfigError(`This home has no mesh key (${paths.orgPsk}); join the organisation again`)
  const psk = fromHex(legacy)
  await saveOrgPsk(paths.orgPsk, psk, passphrase)
  await saveNodeConfig(paths.nodeConfig, config)
  return { psk, encrypted: sealing, migrated: true }
}

/** The mesh key of org settings loaded by `loadOrgPsk` (in memory only). */
export function pskOf (org: { psk?: string }): Uint8Array {
  if (org.psk == null) throw new ConfigError('The mesh key was not loaded')
  return fromHex(org.psk)
}

/** What `org create` and `join` tell the user about where the key went. */
export function pskNote (encrypted: boolean): string {
  return encrypted ? 'The mesh key is sealed with MYCEL_PASSPHRASE.' : 'The mesh key is stored in clear (mode 0600); set MYCEL_PASSPHRASE to seal it.'
}

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch { return false }
}
