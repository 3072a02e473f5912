/**
 * The node's home folder: where its identity, org settings, databases and
 * the running daemon's API address live. Every path is derived here so no
 * other module spells a file name.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { mkdir } from 'node:fs/promises'

export interface HomePaths {
  root: string
  /** The node's ed25519 identity key (0600). */
  identityKey: string
  /** Human-facing node settings: name, org membership, bootstrap peers. */
  nodeConfig: string
  /** Org secrets held by the founder/admins: root and admin keys (0600). */
  orgKeys: string
  /** Written by a running node: API address and token (0600). */
  api: string
  /** The policy file. */
  policy: string
  /** The mesh's pre-shared key, a secret file (sealed with MYCEL_PASSPHRASE when one is set, else 0600 in clear). */
  orgPsk: string
  /** level databases. */
  dataDir: string
  /** Registered models. */
  modelsDir: string
  /** The memory store's database, inside `dataDir`. */
  memoryDir: string
  /** The X25519 key task inputs are sealed to (0600). */
  encryptionKey: string
  /** Data classes of memory collections. */
  collections: string
  /** Registered MCP servers (`mycel tools add`), started and supervised by the node. */
  tools: string
  /** Held by the running node: its pid, so a second start on the same home refuses (0600). */
  lock: string
}

export function resolveHome (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = flag ?? env.MYCEL_HOME ?? join(homedir(), '.mycel')
  return resolve(dir)
}

export function homePaths (root: string): HomePaths {
  return {
    root,
    identityKey: join(root, 'identity.key'),
    nodeConfig: join(root, 'node.json'),
    orgKeys: join(root, 'org-keys.cbor'),
    api: join(root, 'api.json'),
    policy: join(root, 'policy.json'),
    orgPsk: join(root, 'org-psk'),
    dataDir: join(root, 'data'),
    modelsDir: join(root, 'models'),
    memoryDir: join(root, 'data', 'memory'),
    encryptionKey: join(root, 'encryption.key'),
    collections: join(root, 'collections.json'),
    tools: join(root, 'tools.json'),
    lock: join(root, 'node.lock')
  }
}

export async function ensureHome (root: string): Promise<HomePaths> {
  await mkdir(root, { recursive: true, mode: 0o700 })
  return homePaths(root)
}
