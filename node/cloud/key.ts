/**
 * The endpoint's key at rest: a secret file sealed with `MYCEL_PASSPHRASE`
 * like the node key, or 0600 in clear when no passphrase is set. The key
 * bytes leave this file only for the request's Authorization header.
 */
import { lstat, readFile, rm } from 'node:fs/promises'
import { loadSecretFile, saveSecretFile } from '../../identity/secret-file.ts'
import { CLOUD_KEY_LABEL, MAX_CLOUD_KEY_BYTES } from './constants.ts'
import { CloudConfigError } from './errors.ts'
import type { CloudConfig, CloudPaths } from './config.ts'

/** Reads a key a user gave as a file: it must be 0600 or stricter, small, and one line. */
export async function readKeyFileGiven (path: string): Promise<string> {
  let st
  try { st = await lstat(path) } catch { throw new CloudConfigError(`No key file at ${path}`) }
  if (!st.isFile()) throw new CloudConfigError(`${path} is not a regular file`)
  if ((st.mode & 0o077) !== 0) throw new CloudConfigError(`${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it first`)
  if (st.size > MAX_CLOUD_KEY_BYTES) throw new CloudConfigError(`${path} is larger than ${MAX_CLOUD_KEY_BYTES} bytes; is it a key?`)
  return checkKey((await readFile(path, 'utf8')).trim())
}

function checkKey (key: string): string {
  if (key.length === 0) throw new CloudConfigError('The cloud key is empty')
  if (!/^[\x21-\x7e]+$/.test(key)) throw new CloudConfigError('The cloud key must be one line of printable characters')
  return key
}

/** Stores the key in the home, replacing any earlier one. */
export async function storeCloudKey (paths: CloudPaths, key: string, passphrase: string | undefined): Promise<void> {
  await rm(paths.key, { force: true })
  await saveSecretFile(paths.key, new TextEncoder().encode(checkKey(key)), { label: CLOUD_KEY_LABEL, ...(passphrase != null ? { passphrase } : {}) })
}

/** The key the config points at; `CloudConfigError` when it is missing. */
export async function loadCloudKey (paths: CloudPaths, config: CloudConfig, init: { passphrase?: string, env: NodeJS.ProcessEnv }): Promise<string> {
  if (config.key === 'env') {
    const v = init.env[config.keyEnv as string]
    if (v == null || v === '') throw new CloudConfigError(`The cloud key variable ${config.keyEnv as string} is not set in the node's environment`)
    return checkKey(v.trim())
  }
  try {
    const { secret } = await loadSecretFile(paths.key, { label: CLOUD_KEY_LABEL, ...(init.passphrase != null ? { passphrase: init.passphrase } : {}) })
    return checkKey(new TextDecoder().decode(secret))
  } catch (err) {
    if (err instanceof CloudConfigError) throw err
    throw new CloudConfigError(`The cloud key in ${paths.key} cannot be read: ${(err as Error).message}`)
  }
}
