/**
 * Crash-safe file writes: the data goes to a temporary file in the same
 * folder (created with the final mode, so a secret is never readable by
 * others even for a moment), is flushed to disk, then atomically renamed over
 * the target (or hard-linked to it when overwriting is refused), and the folder
 * entry is flushed. A crash leaves either the old file or the complete new one;
 * a failure removes the temporary file.
 */
import { randomBytes } from 'node:crypto'
import { access, link, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export interface WriteFileAtomicInit {
  /** Permission bits of the new file. @default 0o600 */
  mode?: number
  /** Replace an existing file; when false an existing file makes the write fail with `EEXIST`. @default true */
  overwrite?: boolean
}

export async function writeFileAtomic (path: string, data: Uint8Array, init: WriteFileAtomicInit = {}): Promise<void> {
  const mode = init.mode ?? 0o600
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let created = false
  try {
    const fh = await open(tmp, 'wx', mode)
    created = true
    try {
      await fh.chmod(mode) // the umask may have narrowed or the platform ignored the open mode
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    if (init.overwrite ?? true) {
      await rename(tmp, path)
      created = false
    } else {
      await linkExclusive(tmp, path)
      created = false
    }
    await syncDir(dir)
  } catch (err) {
    if (created) await unlink(tmp).catch(() => {})
    throw err
  }
}

/** Moves `tmp` to `path` unless `path` exists (`EEXIST`). */
async function linkExclusive (tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path) // fails with EEXIST atomically, unlike a check-then-rename
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || !LINK_UNSUPPORTED.has(code ?? '')) throw err
    // filesystems without hard links: a small window between check and rename remains
    const exists = await access(path).then(() => true, () => false)
    if (exists) throw Object.assign(new Error(`File exists: ${path}`), { code: 'EEXIST' })
    await rename(tmp, path)
    return
  }
  await unlink(tmp)
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])

/** Flushes a folder entry so the rename survives a power cut; not supported everywhere, so best effort. */
async function syncDir (dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // Windows and some filesystems cannot fsync a directory
  } finally {
    await fh?.close()
  }
}
