/**
 * One sync of one source, by kind, into the memory store. Each reads what
 * the source holds now, writes what changed (one atomic batch per document,
 * as every ingest), removes what is gone, and says what it did; the service
 * keeps the state. A sync killed halfway leaves whole documents only, and
 * the next one picks up from the state it last saved.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../logger.ts'
import type { TextDoc, TextIngestResult } from '../memory/index.ts'
import type { MemoryStore } from '../memory/store.ts'
import { MAX_BLOB_BYTES } from './constants.ts'
import { InvalidSourceError } from './errors.ts'
import { gitChanges, isRemote, readAt, repoRoot, updateMirror, type GitRepo } from './git.ts'
import { mboxDocs, readMbox } from './mbox.ts'
import { mcpResources } from './mcp.ts'
import type { SourceRecord, SourceState, SyncReport } from './types.ts'

export type SourceMemory = Pick<MemoryStore, 'ingest' | 'ingestTexts' | 'removeDocuments' | 'documents'>

export interface SyncContext {
  memory: SourceMemory
  /** The home's `tools.json`, where MCP servers are registered. */
  toolsFile: string
  /** Where remote git sources keep their mirror clones, one folder per source. */
  mirrorsDir: string
  log: Logger
  signal?: AbortSignal
}

export async function syncSource (ctx: SyncContext, s: SourceRecord, state: SourceState): Promise<SyncReport> {
  switch (s.kind) {
    case 'folder': return await syncFolder(ctx, s)
    case 'git': return await syncGit(ctx, s, state)
    case 'mbox': return await syncMbox(ctx, s, state)
    case 'mcp': return await syncMcp(ctx, s)
  }
}

async function syncFolder (ctx: SyncContext, s: SourceRecord): Promise<SyncReport> {
  // a folder gone (unmounted, deleted under the watcher) is reported and its documents kept: it may come back
  if (!existsSync(s.target) || !statSync(s.target).isDirectory()) throw new InvalidSourceError(`folder ${s.target} is gone; its documents are kept until it returns or the source is removed`)
  const r = await ctx.memory.ingest([s.target], { collection: s.collection, prune: true, sourceId: s.id, ...(ctx.signal != null ? { signal: ctx.signal } : {}) })
  return { id: s.id, added: r.added.length, updated: r.updated.length, unchanged: r.unchanged.length, removed: r.pruned.length, skipped: r.skipped.filter(k => k.reason !== 'unsupported file type') }
}

async function syncGit (ctx: SyncContext, s: SourceRecord, state: SourceState): Promise<SyncReport> {
  // a remote repository is read from its mirror; documents are named by the URL and path either way
  const remote = isRemote(s.target)
  const repo: GitRepo = remote ? await updateMirror(s.target, join(ctx.mirrorsDir, `${s.id}.git`), ctx.signal) : { dir: await repoRoot(s.target) }
  const base = remote ? s.target.replace(/\/+$/, '') : (repo as { dir: string }).dir
  const nameOf = (path: string): string => remote ? `${base}/${path}` : join(base, path)
  const { head, changed, deleted } = await gitChanges(repo, s.branch, state.commit)
  const skipped: SyncReport['skipped'] = []
  async function * docs (): AsyncGenerator<TextDoc> {
    for (const path of changed) {
      const bytes = await readAt(repo, head, path)
      if (bytes.byteLength > MAX_BLOB_BYTES) { skipped.push({ path, reason: `larger than ${MAX_BLOB_BYTES} bytes` }); continue }
      yield { source: nameOf(path), rel: path, sourceId: s.id, commit: head, bytes }
    }
  }
  const r = await ctx.memory.ingestTexts(docs(), { collection: s.collection, ...(ctx.signal != null ? { signal: ctx.signal } : {}) })
  const removed = deleted.length > 0 ? await ctx.memory.removeDocuments(s.collection, deleted.map(nameOf)) : []
  return { ...counts(s, r, removed.length), skipped: [...skipped, ...r.skipped], commit: head }
}

async function syncMbox (ctx: SyncContext, s: SourceRecord, state: SourceState): Promise<SyncReport> {
  // the poll looks often; a file with the size and mtime of the last finished sync is not parsed again
  const st = existsSync(s.target) ? statSync(s.target) : undefined
  const version = st != null ? `${st.size}-${Math.trunc(st.mtimeMs)}` : undefined
  if (version != null && version === state.commit) return { id: s.id, added: 0, updated: 0, unchanged: 0, removed: 0, skipped: [], commit: version }
  const messages = await readMbox(s.target)
  const skipped: SyncReport['skipped'] = []
  const seen = new Set<string>()
  async function * docs (): AsyncGenerator<TextDoc> {
    for await (const d of mboxDocs(s.target, s.id, messages, (path, reason) => { skipped.push({ path, reason }) })) {
      seen.add(d.source)
      yield d
    }
  }
  const r = await ctx.memory.ingestTexts(docs(), { collection: s.collection, ...(ctx.signal != null ? { signal: ctx.signal } : {}) })
  const removed = await removeUnseen(ctx, s, seen)
  return { ...counts(s, r, removed), skipped: [...skipped, ...r.skipped], ...(version != null ? { commit: version } : {}) }
}

async function syncMcp (ctx: SyncContext, s: SourceRecord): Promise<SyncReport> {
  const { docs, skipped } = await mcpResources(ctx.toolsFile, s.target, s.id, ctx.log, ctx.signal)
  const r = await ctx.memory.ingestTexts(docs, { collection: s.collection, ...(ctx.signal != null ? { signal: ctx.signal } : {}) })
  const removed = await removeUnseen(ctx, s, new Set(docs.map(d => d.source)))
  return { ...counts(s, r, removed), skipped: [...skipped, ...r.skipped] }
}

/** Removes this source's documents that the source no longer holds. */
async function removeUnseen (ctx: SyncContext, s: SourceRecord, seen: Set<string>): Promise<number> {
  const mine = (await ctx.memory.documents(s.collection).catch(() => [])).filter(d => d.sourceId === s.id && !seen.has(d.source))
  return mine.length === 0 ? 0 : (await ctx.memory.removeDocuments(s.collection, mine.map(d => d.source))).length
}

function counts (s: SourceRecord, r: TextIngestResult, removed: number): Omit<SyncReport, 'skipped'> {
  return { id: s.id, added: r.added.length, updated: r.updated.length, unchanged: r.unchanged.length, removed }
}
