/**
 * The node's settings file (`node.json` in the home, mode 0600; the mesh's
 * pre-shared key is kept apart, in `org-psk`) and the merge of start options:
 * defaults ← config file ← environment ← flags, done once, typed.
 */
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import { arrayOf, bool, literal, object, optional, parse, str, uint, type Infer } from '../../protocol/shape.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { DEFAULT_API_ADDR, DEFAULT_LISTEN_ADDRS } from '../constants.ts'

const OrgSettings = object({
  name: str({ max: 64 }),
  /** Hex of the org's root public key: the org's name on the wire. */
  root: str({ max: 64, pattern: /^[0-9a-f]{64}$/ }),
  id: str({ max: 32 }),
  /**
   * Hex of the 32-byte pre-shared key of the org's private network, in
   * memory only: on disk it is the secret file `org-psk` (home/psk.ts). A
   * home written before that has it here until the next start moves it.
   */
  psk: optional(str({ max: 64, pattern: /^[0-9a-f]{64}$/ })),
  /** Multiaddrs (with /p2p/) of members to dial at start. */
  bootstrap: arrayOf(str({ max: 256 }), { max: 64 }),
  /** Base64 of this node's membership chain. */
  chain: str({ max: 16_384 }),
  groups: arrayOf(str({ max: 64 }), { max: 32 }),
  certExpiresAt: uint(),
  /** Whether this node's key is an admin key of the org (founder or promoted admin). */
  admin: bool,
  /** Base64 of the admin certificate (root → this node's key), when `admin`. */
  adminCert: optional(str({ max: 8192 }))
})
export type OrgSettings = Infer<typeof OrgSettings>

const StartSettings = object({
  listen: optional(arrayOf(str({ max: 256 }), { max: 16 })),
  api: optional(str({ max: 64 })),
  bootstrap: optional(arrayOf(str({ max: 256 }), { max: 64 }))
})

const NodeConfigShape = object({
  v: literal(1),
  name: str({ max: 64 }),
  org: optional(OrgSettings),
  start: optional(StartSettings)
})
export type NodeConfig = Infer<typeof NodeConfigShape>

export class ConfigError extends Error {
  static override name = 'ConfigError'
  constructor (message = 'Invalid node configuration') {
    super(message)
    this.name = ConfigError.name
  }
}

export class NotInitializedError extends Error {
  static override name = 'NotInitializedError'
  constructor (home: string) {
    super(`No Mycel node in ${home}; run \`mycel init\` first`)
    this.name = NotInitializedError.name
  }
}

export class NotJoinedError extends Error {
  static override name = 'NotJoinedError'
  constructor (message = 'This node is not in an organisation yet; run `mycel org create NAME` or `mycel join INVITE`') {
    super(message)
    this.name = NotJoinedError.name
  }
}

const MAX_CONFIG_BYTES = 256 * 1024

export async function loadNodeConfig (path: string): Promise<NodeConfig | undefined> {
  let text: string
  try {
    const buf = await readFile(path)
    if (buf.byteLength > MAX_CONFIG_BYTES) throw new ConfigError(`${path} is larger than ${MAX_CONFIG_BYTES} bytes`)
    text = buf.toString('utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConfigError(`${path} is not valid JSON`)
  }
  try {
    return parse(NodeConfigShape, value, 'node config')
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new ConfigError(`${path}: ${err.message}`)
    throw err
  }
}

/** Writes node.json; the pre-shared key never goes there (`saveOrgPsk` keeps it). */
export async function saveNodeConfig (path: string, config: NodeConfig): Promise<void> {
  const { psk: _, ...org } = config.org ?? {} as OrgSettings
  const stored = config.org != null ? { ...config, org } : config
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(stored, null, 2) + '\n'), { mode: 0o600 })
}

export interface StartOptions {
  listen: string[]
  api: string
  bootstrap: string[]
}

export interface StartFlags {
  listen?: string[]
  api?: string
  bootstrap?: string[]
}

/** Merges start options: defaults ← config file ← environment ← flags. */
export function mergeStartOptions (config: NodeConfig | undefined, env: NodeJS.ProcessEnv, flags: StartFlags): StartOptions {
  const envList = (v: string | undefined): string[] | undefined => v == null || v === '' ? undefined : v.split(',').map(s => s.trim()).filter(Boolean)
  const listen = nonEmpty(flags.listen) ?? envList(env.MYCEL_LISTEN) ?? config?.start?.listen ?? DEFAULT_LISTEN_ADDRS
  const api = flags.api ?? env.MYCEL_API ?? config?.start?.api ?? DEFAULT_API_ADDR
  const extra = nonEmpty(flags.bootstrap) ?? envList(env.MYCEL_BOOTSTRAP) ?? config?.start?.bootstrap ?? []
  const bootstrap = [...new Set([...extra, ...(config?.org?.bootstrap ?? [])])]
  return { listen, api, bootstrap }
}

function nonEmpty (v: string[] | undefined): string[] | undefined {
  return v != null && v.length > 0 ? v : undefined
}
