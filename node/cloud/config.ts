/**
 * The cloud endpoint's settings (`<home>/cloud.json`): where it is, which
 * local model name means which remote one, where its key comes from and
 * how long a request may take. Read on every use, so `mycel cloud set|rm`
 * takes effect in a running node; bounded and validated before use.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { literal, object, oneOf, optional, parse, record, str, uint } from '../../protocol/shape.ts'
import { CLOUD_CONFIG_FILE, CLOUD_KEY_FILE, MAX_CLOUD_CONFIG_BYTES, MAX_CLOUD_MODELS } from './constants.ts'
import { CloudConfigError } from './errors.ts'

export interface CloudConfig {
  v: 1
  /** Base URL of the OpenAI-compatible API, e.g. `https://api.example.com/v1`. */
  url: string
  /** Local model name → the endpoint's model name. Only these models may go out. */
  models: Record<string, string>
  /** `file`: the sealed `cloud-key` beside it; `env`: the environment variable `keyEnv`. */
  key: 'file' | 'env'
  keyEnv?: string
  /** @default CLOUD_TIMEOUT_MS */
  timeoutMs?: number
}

const MODEL_NAME = str({ min: 1, max: 128, pattern: /^[\w.:/@+-]+$/ })
const Shape = object({
  v: literal(1),
  url: str({ min: 8, max: 256 }),
  models: record(MODEL_NAME, { max: MAX_CLOUD_MODELS, keyMax: 128 }),
  key: oneOf(['file', 'env']),
  keyEnv: optional(str({ min: 1, max: 128, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/ })),
  timeoutMs: optional(uint({ min: 100, max: 3_600_000 }))
})

export interface CloudPaths { config: string, key: string }

export function cloudPaths (home: string): CloudPaths {
  return { config: join(home, CLOUD_CONFIG_FILE), key: join(home, CLOUD_KEY_FILE) }
}

/** The endpoint URL as stored: http(s), no credentials, no query, no trailing slash. */
export function normaliseCloudUrl (raw: string): string {
  let url: URL
  try { url = new URL(raw) } catch { throw new CloudConfigError(`Invalid cloud endpoint URL ${JSON.stringify(raw.slice(0, 200))}`) }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CloudConfigError('The cloud endpoint must be an http(s) URL')
  // a key in the URL would be logged and audited with it
  if (url.username !== '' || url.password !== '') throw new CloudConfigError('The cloud endpoint URL may not carry credentials; give the key with --key-file or --key-env')
  if (url.search !== '' || url.hash !== '') throw new CloudConfigError('The cloud endpoint URL may not carry a query or fragment')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export function checkCloudConfig (value: unknown): CloudConfig {
  let c: CloudConfig
  try {
    c = parse(Shape, value, CLOUD_CONFIG_FILE) as CloudConfig
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new CloudConfigError(err.message)
    throw err
  }
  if (normaliseCloudUrl(c.url) !== c.url) throw new CloudConfigError(`${CLOUD_CONFIG_FILE}: url must be a plain http(s) URL without a trailing slash`)
  if (c.key === 'env' && c.keyEnv == null) throw new CloudConfigError(`${CLOUD_CONFIG_FILE}: key "env" needs keyEnv`)
  if (Object.keys(c.models).length === 0) throw new CloudConfigError(`${CLOUD_CONFIG_FILE}: no models are mapped, so nothing may go out`)
  return c
}

/** The settings, or null when no endpoint is configured. */
export async function loadCloudConfig (paths: CloudPaths): Promise<CloudConfig | null> {
  let raw: Buffer
  try {
    raw = await readFile(paths.config)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  if (raw.byteLength > MAX_CLOUD_CONFIG_BYTES) throw new CloudConfigError(`${paths.config} is larger than ${MAX_CLOUD_CONFIG_BYTES} bytes`)
  let json: unknown
  try { json = JSON.parse(raw.toString('utf8')) } catch { throw new CloudConfigError(`${paths.config} is not JSON`) }
  return checkCloudConfig(json)
}

export async function saveCloudConfig (paths: CloudPaths, config: CloudConfig): Promise<void> {
  const checked = checkCloudConfig(config)
  await writeFileAtomic(paths.config, new TextEncoder().encode(JSON.stringify(checked, null, 2) + '\n'), { mode: 0o600 })
}

/** Removes the endpoint and its stored key; true when there was one. */
export async function removeCloudConfig (paths: CloudPaths): Promise<boolean> {
  const had = (await loadCloudConfig(paths).catch(() => ({}))) != null
  await rm(paths.config, { force: true })
  await rm(paths.key, { force: true })
  return had
}
