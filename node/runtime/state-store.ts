/**
 * Evicted context state on disk: before a resident sequence holding a long
 * state is erased for an unrelated prompt (or its model unloads), its KV
 * state is saved with node-llama-cpp's `saveStateToFile`, its tokens beside
 * it, so a later prompt with that prefix restores it rather than evaluating
 * it again (sequence-cache.ts).
 *
 * llama.cpp trusts a state file: one made by another model, or cut short,
 * may crash the process on load. So states live in a folder per model
 * SHA-256 (the digest the pool verified before loading the model; a changed
 * file has another digest and never sees them), and before a load the file
 * must have the size and SHA-256 its sidecar recorded, and llama.cpp's own
 * header (magic, version, token count, tokens) must agree with the sidecar.
 * A file that fails any check is deleted with a log line. The folder is
 * bounded in bytes and files, least recently used out first; files are 0600.
 *
 * Layout: `<dir>/<model sha256>/<id>.state` and `<id>.json`
 * (`{ v, model, tokens, size, sha256 }`).
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LlamaContextSequence, Token } from 'node-llama-cpp'
import type { Logger } from '../logger.ts'
import { arrayOf, literal, object, parse, str, uint } from '../../protocol/shape.ts'
import { sha256File } from './hash.ts'
import { STATE_FILE_MAGIC, STATE_FILE_VERSION, STATE_META_MAX_BYTES } from './constants.ts'

const Meta = object({
  v: literal(1),
  model: str({ max: 128 }),
  tokens: arrayOf(uint({ max: 2 ** 31 }), { max: 1 << 20 }),
  size: uint({ max: Number.MAX_SAFE_INTEGER }),
  sha256: str({ max: 64, pattern: /^[0-9a-f]{64}$/ })
})
type Meta = ReturnType<typeof Meta>

interface Entry { dir: string, id: string, meta: Meta, usedAt: number }

export interface StateStoreInit {
  dir: string
  /** All saved states together, over every model. */
  maxBytes: number
  maxFiles: number
  log: Logger
}

export interface SavedStateMatch {
  entry: Entry
  /** Leading prompt tokens the saved state holds. */
  shared: number
}

const SHA = /^[0-9a-f]{64}$/
const ID = /^[0-9a-f]{16}$/

export class StateStore {
  private readonly init: StateStoreInit
  private entries: Entry[] | undefined
  private indexing: Promise<Entry[]> | undefined

  constructor (init: StateStoreInit) {
    this.init = init
  }

  /** The saved state of this model sharing the longest prefix with `prompt`, if any. */
  async match (modelSha256: string, prompt: readonly Token[]): Promise<SavedStateMatch | undefined> {
    let best: SavedStateMatch | undefined
    for (const entry of await this.index()) {
      if (entry.dir !== modelSha256) continue
      const shared = commonPrefix(entry.meta.tokens, prompt)
      if (shared > (best?.shared ?? 0)) best = { entry, shared }
    }
    return best
  }

  /**
   * Saves a sequence's state; states it extends (their tokens a prefix of
   * its) go, they can only match less; `spare` (a state about to be
   * restored into this very sequence) is never the one the bound removes. Never throws: a state that cannot be
   * saved is only a missed saving.
   */
  async save (model: { name: string, sha256: string }, sequence: LlamaContextSequence, spare?: Entry): Promise<void> {
    if (!SHA.test(model.sha256)) return
    const tokens = [...sequence.contextTokens] as number[]
    const dir = join(this.init.dir, model.sha256)
    const id = randomBytes(8).toString('hex')
    const path = join(dir, `${id}.state`)
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      // created 0600 first: llama.cpp's fopen keeps the mode of a file that exists
      await (await open(path, 'wx', 0o600)).close()
      const { fileSize } = await sequence.saveStateToFile(path)
      await chmod(path, 0o600)
      const meta: Meta = { v: 1, model: model.name, tokens, size: fileSize, sha256: await sha256File(path) }
      const tmp = join(dir, `${id}.json.tmp`)
      await writeFile(tmp, JSON.stringify(meta), { mode: 0o600 })
      await rename(tmp, join(dir, `${id}.json`))
      const entries = await this.index()
      for (const old of entries.filter(e => e.dir === model.sha256 && isPrefix(e.meta.tokens, tokens))) await this.drop(old)
      entries.push({ dir: model.sha256, id, meta, usedAt: Date.now() })
      await this.bound(spare)
      this.init.log('saved context state of %s: %d tokens, %d bytes', model.name, tokens.length, fileSize)
    } catch (err) {
      this.init.log.error('could not save context state of %s: %s', model.name, (err as Error).message)
      await rm(path, { force: true }).catch(() => {})
    }
  }

  /**
   * Loads a saved state into `sequence` after checking the file against its
   * sidecar. False (and the state deleted, with a log line) when a check or
   * the load fails; the sequence is then empty.
   */
  async restore (entry: Entry, sequence: LlamaContextSequence): Promise<boolean> {
    const path = join(this.init.dir, entry.dir, `${entry.id}.state`)
    const bad = await this.check(path, entry.meta)
    if (bad != null) {
      this.init.log.error('discarding saved context state %s of %s: %s', entry.id, entry.meta.model, bad)
      await this.drop(entry)
      return false
    }
    try {
      await sequence.loadStateFromFile(path, { acceptRisk: true })
    } catch (err) {
      this.init.log.error('discarding saved context state %s of %s: %s', entry.id, entry.meta.model, (err as Error).message)
      await this.drop(entry)
      if (!sequence.disposed && sequence.nextTokenIndex > 0) await sequence.clearHistory()
      return false
    }
    entry.usedAt = Date.now()
    const t = new Date(entry.usedAt)
    await utimes(join(this.init.dir, entry.dir, `${entry.id}.json`), t, t).catch(() => {})
    return true
  }

  /** Deletes the states of `name` saved with another model file than `sha256` (the file changed). */
  async forget (name: string, sha256: string): Promise<void> {
    for (const e of (await this.index()).filter(e => e.meta.model === name && e.dir !== sha256)) await this.drop(e)
  }

  /** Files and bytes held now. */
  async usage (): Promise<{ files: number, bytes: number }> {
    const entries = await this.index()
    return { files: entries.length, bytes: entries.reduce((n, e) => n + e.meta.size, 0) }
  }

  /** Why the file must not be loaded, or undefined when it may. */
  private async check (path: string, meta: Meta): Promise<string | undefined> {
    let size: number
    try { size = (await stat(path)).size } catch { return 'the state file is gone' }
    if (size !== meta.size) return `the state file has ${size} bytes, ${meta.size} were saved`
    const headerBytes = 12 + 4 * meta.tokens.length
    if (size < headerBytes) return 'the state file is shorter than its header'
    const fh = await open(path, 'r')
    let header: Buffer
    try {
      header = Buffer.alloc(headerBytes)
      await fh.read(header, 0, headerBytes, 0)
    } finally {
      await fh.close()
    }
    if (header.readUInt32LE(0) !== STATE_FILE_MAGIC) return 'not a llama.cpp sequence state'
    if (header.readUInt32LE(4) !== STATE_FILE_VERSION) return `state version ${header.readUInt32LE(4)}, this llama.cpp writes ${STATE_FILE_VERSION}`
    if (header.readUInt32LE(8) !== meta.tokens.length) return 'the token count differs from the sidecar'
    for (let i = 0; i < meta.tokens.length; i++) if (header.readUInt32LE(12 + 4 * i) !== meta.tokens[i]) return 'the tokens differ from the sidecar'
    if (await sha256File(path) !== meta.sha256) return 'the state file\'s SHA-256 differs from the one saved'
    return undefined
  }

  private async index (): Promise<Entry[]> {
    if (this.entries != null) return this.entries
    this.indexing ??= this.readIndex()
    this.entries = await this.indexing
    return this.entries
  }

  /** Reads the sidecars on disk once; unreadable ones and orphan files are deleted. */
  private async readIndex (): Promise<Entry[]> {
    const out: Entry[] = []
    const dirs = await readdir(this.init.dir).catch(() => [] as string[])
    for (const dir of dirs.filter(d => SHA.test(d))) {
      const names = await readdir(join(this.init.dir, dir)).catch(() => [] as string[])
      const ids = new Set(names.map(n => n.split('.')[0] ?? ''))
      for (const id of ids) {
        const base = join(this.init.dir, dir, id)
        try {
          if (!ID.test(id)) throw new Error('not a state name')
          const s = await stat(`${base}.json`)
          if (s.size > STATE_META_MAX_BYTES) throw new Error('sidecar too large')
          const meta = parse(Meta, JSON.parse(await readFile(`${base}.json`, 'utf8')), 'state sidecar')
          await stat(`${base}.state`)
          out.push({ dir, id, meta, usedAt: s.mtimeMs })
        } catch (err) {
          this.init.log('removing saved context state %s: %s', id, (err as Error).message)
          for (const n of names.filter(n => n.startsWith(`${id}.`))) await rm(join(this.init.dir, dir, n), { force: true }).catch(() => {})
        }
      }
    }
    return out
  }

  /** Least recently used out until the bounds hold. */
  private async bound (spare?: Entry): Promise<void> {
    const entries = await this.index()
    entries.sort((a, b) => a.usedAt - b.usedAt)
    let bytes = entries.reduce((n, e) => n + e.meta.size, 0)
    let files = entries.length
    for (const e of entries.filter(e => e !== spare)) {
      if (files <= this.init.maxFiles && bytes <= this.init.maxBytes) break
      files--
      bytes -= e.meta.size
      await this.drop(e)
    }
  }

  private async drop (entry: Entry): Promise<void> {
    const entries = await this.index()
    const i = entries.indexOf(entry)
    if (i >= 0) entries.splice(i, 1)
    const base = join(this.init.dir, entry.dir, entry.id)
    await rm(`${base}.json`, { force: true }).catch(() => {})
    await rm(`${base}.state`, { force: true }).catch(() => {})
  }
}

function commonPrefix (a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  return i
}

function isPrefix (a: readonly number[], of: readonly number[]): boolean {
  return a.length <= of.length && commonPrefix(a, of) === a.length
}

