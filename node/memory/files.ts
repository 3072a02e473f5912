/**
 * File discovery and reading for ingest. Files are read in slices of
 * `READ_SLICE_BYTES`, so memory stays bounded however large they are. A
 * first pass hashes the file and checks it is text (no NUL bytes, valid
 * UTF-8); only then is it decoded and chunked.
 */
import { open, readdir, lstat, stat } from 'node:fs/promises'
import { basename, join, relative, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { READ_SLICE_BYTES } from './constants.ts'
import { kindOf, type TextKind } from './extract.ts'

export interface FoundFile {
  /** Absolute path. */
  path: string
  /** The path relative to the folder it was found in (its name when named itself): what members other than this node are shown. */
  rel: string
  kind: TextKind
}
export interface Skip { path: string, reason: string }

/** Expands files and folders into readable files; hidden entries, node_modules and symlinked folders are passed over. */
export async function findFiles (paths: string[], signal?: AbortSignal): Promise<{ files: FoundFile[], skipped: Skip[] }> {
  const files: FoundFile[] = []
  const skipped: Skip[] = []
  const seen = new Set<string>()
  const add = (path: string, rel: string, kind: TextKind): void => {
    if (seen.has(path)) return
    seen.add(path)
    files.push({ path, rel, kind })
  }
  const walk = async (dir: string, root: string): Promise<void> => {
    signal?.throwIfAborted()
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (err) {
      skipped.push({ path: dir, reason: `cannot read folder (${(err as NodeJS.ErrnoException).code ?? 'error'})` })
      return
    }
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p, root)
      else if (e.isFile()) {
        const kind = kindOf(p)
        if (kind != null) add(p, relative(root, p), kind)
        else skipped.push({ path: p, reason: 'unsupported file type' })
      } else if (e.isSymbolicLink()) {
        skipped.push({ path: p, reason: 'symbolic link (name it to ingest it)' })
      }
    }
  }
  for (const raw of paths) {
    const path = resolve(raw)
    let st
    try {
      st = await lstat(path)
      if (st.isSymbolicLink()) st = await stat(path)
    } catch (err) {
      skipped.push({ path, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot read' })
      continue
    }
    if (st.isDirectory()) await walk(path, path)
    else if (st.isFile()) add(path, basename(path), kindOf(path) ?? 'text') // named explicitly: try it as text, the probe refuses binaries
    else skipped.push({ path, reason: 'not a regular file' })
  }
  return { files, skipped }
}

export interface Probe {
  size: number
  mtimeMs: number
  /** SHA-256 of the bytes, hex. */
  hash: string
  /** Why the file cannot be indexed, if it cannot. */
  problem?: 'binary' | 'not UTF-8' | 'empty'
}

/** One pass over the file: hash, size, and whether it is UTF-8 text. */
export async function probeFile (path: string, signal?: AbortSignal): Promise<Probe> {
  const fh = await open(path, 'r')
  try {
    const st = await fh.stat()
    const hash = createHash('sha256')
    const decoder = new TextDecoder('utf-8', { fatal: true })
    const buf = Buffer.allocUnsafe(READ_SLICE_BYTES)
    let size = 0
    let problem: Probe['problem']
    let nonSpace = false
    for (;;) {
      signal?.throwIfAborted()
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      const slice = buf.subarray(0, bytesRead)
      size += bytesRead
      hash.update(slice)
      if (problem == null) {
        if (slice.includes(0)) problem = 'binary'
        else {
          try {
            const s = decoder.decode(slice, { stream: true })
            if (!nonSpace && /\S/.test(s)) nonSpace = true
          } catch { problem = 'not UTF-8' }
        }
      }
    }
    if (problem == null) {
      try { if (/\S/.test(decoder.decode())) nonSpace = true } catch { problem = 'not UTF-8' }
    }
    if (problem == null && !nonSpace) problem = 'empty'
    return { size, mtimeMs: st.mtimeMs, hash: hash.digest('hex'), ...(problem != null ? { problem } : {}) }
  } finally {
    await fh.close()
  }
}

/** Decoded text of a file, slice by slice (a UTF-8 sequence split across slices is joined). */
export async function * readTextSlices (path: string, signal?: AbortSignal): AsyncGenerator<string> {
  const fh = await open(path, 'r')
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
    const buf = Buffer.allocUnsafe(READ_SLICE_BYTES)
    for (;;) {
      signal?.throwIfAborted()
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      const s = decoder.decode(buf.subarray(0, bytesRead), { stream: true })
      if (s !== '') yield s.replaceAll('\r\n', '\n')
    }
    const rest = decoder.decode()
    if (rest !== '') yield rest
  } finally {
    await fh.close()
  }
}
