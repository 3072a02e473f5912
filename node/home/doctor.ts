/**
 * What `mycel doctor` checks: every file in the home, its mode, and whether
 * it holds a secret, sealed with the passphrase or in clear. A secret file
 * (the identity key, org root key, mesh key, encryption key, cloud key) is
 * recognised by its own header, so a new kind needs no list here; node.json
 * still holding the mesh key (a home not started since) and api.json (the
 * running node's token) are the secrets in clear by name.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { inspectSecretFile } from '../../identity/secret-file.ts'

/** Most files listed; a home with more (a huge database) is cut off with a warning. */
export const MAX_DOCTOR_FILES = 5000

export interface HomeFile {
  /** Relative to the home. */
  path: string
  /** Permission bits in octal, e.g. `600`. */
  mode: string
  bytes: number
  /** `sealed`: encrypted with MYCEL_PASSPHRASE; `clear`: readable by whoever can read the file. */
  secret: 'none' | 'sealed' | 'clear'
  /** What the secret is. */
  holds?: string
}

export interface DoctorReport {
  home: string
  /** Whether MYCEL_PASSPHRASE was given to this check. */
  passphrase: boolean
  files: HomeFile[]
  warnings: string[]
}

export async function inspectHome (home: string, init: { passphrase: boolean }): Promise<DoctorReport> {
  const warnings: string[] = []
  const files: HomeFile[] = []
  const root = await stat(home)
  if ((root.mode & 0o077) !== 0) warnings.push(`the home ${home} is open to others (mode ${octal(root.mode)}); chmod 700 it`)
  const names = (await readdir(home, { recursive: true })).sort()
  for (const name of names) {
    const path = join(home, name)
    const st = await lstat(path).catch(() => null)
    if (st == null || !st.isFile()) continue
    if (files.length >= MAX_DOCTOR_FILES) { warnings.push(`more than ${MAX_DOCTOR_FILES} files; the rest are not listed`); break }
    const file: HomeFile = { path: relative(home, path).split(sep).join('/'), mode: octal(st.mode), bytes: st.size, secret: 'none' }
    await classify(path, file)
    files.push(file)
    if (file.secret !== 'none' && (st.mode & 0o077) !== 0) warnings.push(`${file.path} holds ${file.holds ?? 'a secret'} and is readable by others (mode ${file.mode}); chmod 600 it`)
    else if ((st.mode & 0o022) !== 0) warnings.push(`${file.path} is writable by others (mode ${file.mode})`)
    if (file.secret === 'clear' && file.path !== 'api.json' && init.passphrase) warnings.push(`${file.path} holds ${file.holds ?? 'a secret'} in clear although MYCEL_PASSPHRASE is set; start the node once to seal it`)
  }
  if (!init.passphrase && files.some(f => f.secret === 'clear' && f.path !== 'api.json')) {
    warnings.push('secrets are stored in clear (mode 0600): set MYCEL_PASSPHRASE to seal them')
  }
  return { home, passphrase: init.passphrase, files, warnings }
}

async function classify (path: string, file: HomeFile): Promise<void> {
  if (file.path === 'node.json') {
    const config = await readJson(path) as { org?: { psk?: unknown } } | null
    if (typeof config?.org?.psk === 'string') { file.secret = 'clear'; file.holds = 'the mesh key (org.psk)' }
    return
  }
  if (file.path === 'api.json') { file.secret = 'clear'; file.holds = 'the running node\'s API token'; return }
  // secret files are small CBOR; anything larger is not one
  if (file.bytes > 4096) return
  const info = await inspectSecretFile(path).catch(() => null)
  if (info == null) return
  file.secret = info.encrypted ? 'sealed' : 'clear'
  file.holds = info.label
}

async function readJson (path: string): Promise<unknown> {
  try { return JSON.parse(await readFile(path, 'utf8')) } catch { return null }
}

function octal (mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0')
}
