/**
 * The node's sources: folders (watched with chokidar), git repositories,
 * mbox files and MCP servers' resources, each synced into one memory
 * collection and kept in sync: a folder on every change (debounced), the
 * others on a poll and on `mycel sources sync`. One sync per source at a
 * time; a failing source records its error and the others go on.
 *
 * @example
 * const sources = sourcesService()({ book, store: () => memory.store, setClass, refresh, toolsFile, mirrorsDir, logger })
 * await sources.start()
 * await sources.add({ kind: 'git', target: '/src/handbook', collection: 'hb' })
 */
import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { Logger } from '../logger.ts'
import { validCollectionName } from '../memory/index.ts'
import type { SourceBook } from './book.ts'
import { FOLDER_DEBOUNCE_MS, MAX_SOURCE_ERRORS, MAX_SOURCES, SOURCE_POLL_MS } from './constants.ts'
import { InvalidSourceError, SourceExistsError, TooManySourcesError, UnknownSourceError } from './errors.ts'
import { hasCredentials, isRemote, repoRoot } from './git.ts'
import { readToolServers } from '../tools/config.ts'
import { syncSource, type SourceMemory } from './sync.ts'
import type { SourceKind, SourceRecord, SourceSummary, SyncReport } from './types.ts'

export interface SourcesComponents {
  book: SourceBook
  /** The memory store, or undefined while memory is closed. */
  store: () => SourceMemory & { forget: (o: { sourceId: string }) => Promise<unknown> } | undefined
  /** Records a collection's data class (the card and the executor follow it). */
  setClass: (collection: string, dataClass: DataClass) => Promise<void>
  /** Tells the card the collections changed. */
  refresh: () => Promise<void>
  /** The home's `tools.json`. */
  toolsFile: string
  /** Mirror clones of remote git sources. */
  mirrorsDir: string
  logger: Logger
}

export interface SourcesInit {
  /** @default SOURCE_POLL_MS; 0 turns polling off */
  pollMs?: number
  /** @default FOLDER_DEBOUNCE_MS */
  debounceMs?: number
  /** Owner recorded when `add` names none. @default 'node' */
  defaultOwner?: string
}

export interface AddSource {
  kind: SourceKind
  target: string
  branch?: string
  /** @default the source's id */
  collection?: string
  /** @default 'internal' */
  dataClass?: DataClass
  owner?: string
}

export class SourcesService {
  private readonly c: SourcesComponents
  private readonly init: SourcesInit
  private readonly watchers = new Map<string, FSWatcher>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly running = new Map<string, Promise<SyncReport>>()
  private poll?: NodeJS.Timeout
  private readonly abort = new AbortController()
  private started = false

  constructor (components: SourcesComponents, init: SourcesInit = {}) {
    this.c = components
    this.init = init
  }

  /** Starts watchers and the poll, and syncs every source once in the background (a rerun finishes what a crash left). */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    for (const s of await this.c.book.list()) {
      if (s.kind === 'folder') this.watchFolder(s)
      void this.sync(s.id).catch(() => {})
    }
    const pollMs = this.init.pollMs ?? SOURCE_POLL_MS
    if (pollMs > 0) {
      this.poll = setInterval(() => { void this.pollOnce() }, pollMs)
      this.poll.unref()
    }
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearInterval(this.poll)
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    this.abort.abort()
    await Promise.all([...this.watchers.values()].map(async w => { await w.close() }))
    this.watchers.clear()
    await Promise.all([...this.running.values()].map(async p => await p.catch(() => {})))
  }

  /** Adds a source, records its collection's class, and runs its first sync. */
  async add (a: AddSource): Promise<{ source: SourceSummary, sync: SyncReport }> {
    const target = await this.checkTarget(a.kind, a.target)
    const id = `${a.kind}-${createHash('sha256').update(`${a.kind}\n${target}\n${a.branch ?? ''}`).digest('hex').slice(0, 10)}`
    const all = await this.c.book.list()
    const same = all.find(s => s.id === id)
    if (same != null) throw new SourceExistsError(same.id, target)
    if (all.length >= MAX_SOURCES) throw new TooManySourcesError(MAX_SOURCES)
    const record: SourceRecord = {
      id,
      kind: a.kind,
      target,
      ...(a.branch != null ? { branch: a.branch } : {}),
      collection: validCollectionName(a.collection ?? id),
      dataClass: a.dataClass ?? 'internal',
      owner: a.owner ?? this.init.defaultOwner ?? 'node',
      createdAt: Date.now()
    }
    await this.c.setClass(record.collection, record.dataClass)
    await this.c.book.add(record)
    if (record.kind === 'folder') this.watchFolder(record)
    const sync = await this.sync(id)
    return { source: await this.summary(record), sync }
  }

  async list (): Promise<SourceSummary[]> {
    return await Promise.all((await this.c.book.list()).map(async s => await this.summary(s)))
  }

  /** Syncs one source now, or all; a sync already running for it is joined. */
  async syncAll (id?: string): Promise<SyncReport[]> {
    const ids = id != null ? [(await this.record(id)).id] : (await this.c.book.list()).map(s => s.id)
    return await Promise.all(ids.map(async i => await this.sync(i)))
  }

  /** Removes a source and, unless `keep`, every document it wrote. */
  async remove (id: string, opts: { keep?: boolean } = {}): Promise<{ id: string, forgotten: unknown }> {
    const s = await this.record(id)
    await this.watchers.get(id)?.close()
    this.watchers.delete(id)
    clearTimeout(this.timers.get(id))
    await this.running.get(id)?.catch(() => {})
    await this.c.book.remove(id)
    // a remote repository's mirror goes with its source
    if (s.kind === 'git' && isRemote(s.target)) await rm(join(this.c.mirrorsDir, `${s.id}.git`), { recursive: true, force: true })
    const forgotten = opts.keep === true ? null : await this.c.store()?.forget({ sourceId: s.id })
    await this.c.refresh()
    return { id, forgotten }
  }

  /** Stops keeping the source of this id, leaving its documents to the caller (`forget`); false when there is none. */
  async removeIfKept (id: string): Promise<boolean> {
    if (!(await this.c.book.list()).some(s => s.id === id)) return false
    await this.remove(id, { keep: true })
    return true
  }

  private async sync (id: string): Promise<SyncReport> {
    const current = this.running.get(id)
    if (current != null) return await current
    const run = this.runSync(id).finally(() => { this.running.delete(id) })
    this.running.set(id, run)
    return await run
  }

  private async runSync (id: string): Promise<SyncReport> {
    const s = await this.record(id)
    const state = await this.c.book.state(id)
    const memory = this.c.store()
    let report: SyncReport
    try {
      if (memory == null) throw new InvalidSourceError('memory is not open on this node')
      report = await syncSource({ memory, toolsFile: this.c.toolsFile, mirrorsDir: this.c.mirrorsDir, log: this.c.logger, signal: this.abort.signal }, s, state)
    } catch (err) {
      if (this.abort.signal.aborted) throw err
      this.c.logger('source %s: %s', id, (err as Error).message)
      report = { id, added: 0, updated: 0, unchanged: 0, removed: 0, skipped: [], error: (err as Error).message.split('\n')[0] ?? 'error' }
    }
    // the source may have been removed meanwhile: then its state goes with it
    if ((await this.c.book.list()).some(r => r.id === id)) {
      const documents = memory == null ? state.documents : (await memory.documents(s.collection).catch(() => [])).filter(d => d.sourceId === id).length
      await this.c.book.setState(id, {
        lastSyncAt: Date.now(),
        ...(report.commit != null ? { commit: report.commit } : state.commit != null ? { commit: state.commit } : {}),
        documents,
        added: report.added,
        updated: report.updated,
        removed: report.removed,
        skipped: report.skipped.length,
        // nothing new since the last finished sync: what it could not read still stands
        errors: report.error == null && report.commit != null && report.commit === state.commit
          ? state.errors
          : [...(report.error != null ? [report.error] : []), ...report.skipped.map(k => `${k.path}: ${k.reason}`)].slice(0, MAX_SOURCE_ERRORS).map(e => e.slice(0, 1024))
      })
    }
    if (report.added + report.updated + report.removed > 0) await this.c.refresh()
    return report
  }

  private async checkTarget (kind: SourceKind, raw: string): Promise<string> {
    if (kind === 'mcp') {
      if (!(await readToolServers(this.c.toolsFile)).some(e => e.name === raw)) throw new InvalidSourceError(`No MCP server named ${raw} is registered (add it with \`mycel tools add\`)`)
      return raw
    }
    if (kind === 'git' && isRemote(raw)) {
      if (raw.length > 2048) throw new InvalidSourceError('the repository URL is longer than 2048 characters')
      // they would sit in the mirror's config and the source list in clear
      if (hasCredentials(raw)) throw new InvalidSourceError('credentials in the URL are not accepted; use a credential helper or an ssh key')
      return raw
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new InvalidSourceError(`${raw}: only git sources take a URL`)
    const path = resolve(raw)
    if (!existsSync(path)) throw new InvalidSourceError(`${path} does not exist`)
    const st = statSync(path)
    if (kind === 'folder' && !st.isDirectory()) throw new InvalidSourceError(`${path} is not a folder`)
    if (kind === 'mbox' && !st.isFile()) throw new InvalidSourceError(`${path} is not a file`)
    if (kind === 'git') {
      const root = await repoRoot(path)
      if (root !== path) throw new InvalidSourceError(`${path} is inside the git repository ${root}; add the repository itself`)
    }
    return path
  }

  private watchFolder (s: SourceRecord): void {
    if (this.watchers.has(s.id) || !this.started) return
    const w = watch(s.target, { ignoreInitial: true, ignored: (p: string) => /(^|\/)(\.[^/]|node_modules(\/|$))/.test(p.slice(s.target.length)) })
    w.on('all', () => { this.schedule(s.id) })
    w.on('error', (err) => { this.c.logger('watching %s: %s', s.target, (err as Error).message); this.schedule(s.id) })
    this.watchers.set(s.id, w)
  }

  private schedule (id: string): void {
    clearTimeout(this.timers.get(id))
    const t = setTimeout(() => {
      this.timers.delete(id)
      // a change during a sync gets a sync of its own after it
      const after = this.running.get(id) ?? Promise.resolve()
      void after.catch(() => {}).then(async () => await this.sync(id)).catch(() => {})
    }, this.init.debounceMs ?? FOLDER_DEBOUNCE_MS)
    this.timers.set(id, t)
  }

  private async pollOnce (): Promise<void> {
    for (const s of await this.c.book.list().catch(() => [])) if (s.kind !== 'folder') void this.sync(s.id).catch(() => {})
  }

  private async record (id: string): Promise<SourceRecord> {
    const s = (await this.c.book.list()).find(r => r.id === id)
    if (s == null) throw new UnknownSourceError(id)
    return s
  }

  private async summary (s: SourceRecord): Promise<SourceSummary> {
    return { ...s, ...await this.c.book.state(s.id), syncing: this.running.has(s.id) }
  }
}

export function sourcesService (init: SourcesInit = {}): (components: SourcesComponents) => SourcesService {
  return (components) => new SourcesService(components, init)
}
