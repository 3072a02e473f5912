/**
 * `mycel memory ingest|ls|rm|search|classify`: the node's private document memory.
 * Handlers parse, open the store and call one function that takes the
 * store, so the same functions can later run behind the control API when a
 * running node holds the database.
 */
import { resolve } from 'node:path'
import type { Command, CommandContext, ParsedArgs } from '../command.ts'
import { UsageError } from '../errors.ts'
import { table, type Output } from '../output.ts'
import { homePaths } from '../../home/home.ts'
import { openMemory, type MemoryStore, type OpenedMemory } from '../../memory/index.ts'
import { DEFAULT_COLLECTION, MAX_SEARCH_K, SEARCH_K } from '../../memory/constants.ts'
import { DATA_CLASSES } from '../../../protocol/task/messages.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { remoteMemoryStore } from '../../api/memory-client.ts'
import { FEDERATED_DEADLINE_MS, MAX_FEDERATED_DEADLINE_MS } from '../../mesh-memory/constants.ts'
import { runMeshSearch } from './memory-mesh.ts'

/** Where the CLI keeps the memory database when no node holds it. */
export function memoryDir (home: string): string {
  return homePaths(home).memoryDir
}

/** Runs `fn` with the memory store: the running node's through its API, else opened here. */
export async function withStore<T> (ctx: CommandContext, fn: (store: MemoryStore) => Promise<T>): Promise<T> {
  // a running node holds the database: go through its control API instead
  if (await readApiFile(ctx.home) != null) return await fn(remoteMemoryStore(await ApiClient.fromHome(ctx.home)) as MemoryStore)
  let opened: OpenedMemory
  try {
    const passphrase = ctx.env.MYCEL_PASSPHRASE
    opened = await openMemory(memoryDir(ctx.home), passphrase != null && passphrase !== '' ? { passphrase } : {})
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if ((err as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN' && cause?.code === 'LEVEL_LOCKED') {
      throw new Error('The memory database is held by another process (a node started without its api.json?)')
    }
    throw err
  }
  try {
    return await fn(opened.store)
  } finally {
    await opened.close()
  }
}

export interface IngestArgs { paths: string[], collection: string, prune: boolean }

export function parseIngest (args: ParsedArgs): IngestArgs {
  return { paths: args.positionals, collection: (args.values.collection as string | undefined) ?? DEFAULT_COLLECTION, prune: args.values.prune === true }
}

export async function runIngest (store: MemoryStore, a: IngestArgs, ctx: Pick<CommandContext, 'out' | 'json' | 'signal'>): Promise<number> {
  const r = await store.ingest(a.paths, {
    collection: a.collection,
    prune: a.prune,
    signal: ctx.signal,
    onProgress: p => { ctx.out.progress('ingest', p.done, p.total) }
  })
  if (ctx.json) { ctx.out.json(r); return 0 }
  const out: Output = ctx.out
  out.line(`${r.collection}: ${r.added.length} added, ${r.updated.length} updated, ${r.unchanged.length} unchanged, ${r.skipped.length} skipped` +
    `${a.prune ? `, ${r.pruned.length} pruned` : ''} (${r.chunks} chunks written)`)
  const byReason = new Map<string, string[]>()
  for (const s of r.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.path])
  for (const [reason, paths] of byReason) {
    out.line(`  skipped, ${reason}: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}`)
  }
  return 0
}

export const memoryIngest: Command = {
  path: ['memory', 'ingest'],
  summary: 'Index files and folders (.txt, .md, .html, .pdf) into a memory collection',
  usage: '[--collection C] [--prune] PATH...',
  options: {
    collection: { type: 'string', short: 'c', help: `Collection to add to (default ${DEFAULT_COLLECTION})` },
    prune: { type: 'boolean', help: 'Also remove documents whose files are gone' }
  },
  positionals: { min: 1, max: 10_000 },
  async run (ctx, args) {
    const a = parseIngest(args)
    return await withStore(ctx, async store => await runIngest(store, a, ctx))
  }
}

export async function runLs (store: MemoryStore, ctx: Pick<CommandContext, 'out' | 'json'>): Promise<number> {
  const cols = await store.collections()
  if (ctx.json) { ctx.out.json(cols.map(c => ({ name: c.name, documents: c.documents, chunks: c.chunks, vectors: c.vectors }))); return 0 }
  if (cols.length === 0) { ctx.out.line('No collections yet; add documents with `mycel memory ingest PATH`.'); return 0 }
  ctx.out.line(table(cols.map(c => ({ ...c })), ['name', 'documents', 'chunks', 'vectors']))
  return 0
}

export const memoryLs: Command = {
  path: ['memory', 'ls'],
  summary: 'List memory collections with their document and chunk counts',
  async run (ctx) {
    return await withStore(ctx, async store => await runLs(store, ctx))
  }
}

export interface RmArgs { collection: string, doc?: string }

export function parseRm (args: ParsedArgs): RmArgs {
  const doc = args.values.doc as string | undefined
  const collection = args.positionals[0]
  if (doc == null && collection == null) throw new UsageError('Name a collection, or a document with --doc PATH: mycel memory rm COLLECTION | --doc PATH [COLLECTION]')
  return { collection: collection ?? DEFAULT_COLLECTION, ...(doc != null ? { doc: resolve(doc) } : {}) }
}

export async function runRm (store: MemoryStore, a: RmArgs, ctx: Pick<CommandContext, 'out' | 'json'>): Promise<number> {
  if (a.doc != null) await store.removeDocument(a.collection, a.doc)
  else await store.removeCollection(a.collection)
  const removed = a.doc != null ? { collection: a.collection, document: a.doc } : { collection: a.collection }
  if (ctx.json) ctx.out.json({ removed })
  else ctx.out.line(a.doc != null ? `removed ${a.doc} from ${a.collection}` : `removed collection ${a.collection}`)
  return 0
}

export const memoryRm: Command = {
  path: ['memory', 'rm'],
  summary: 'Remove a memory collection, or one document with --doc',
  usage: 'COLLECTION | --doc PATH [COLLECTION]',
  options: { doc: { type: 'string', help: 'Remove only this document (its path as ingested)' } },
  positionals: { min: 0, max: 1 },
  async run (ctx, args) {
    const a = parseRm(args)
    return await withStore(ctx, async store => await runRm(store, a, ctx))
  }
}

export interface SearchArgs { query: string, collection?: string, k: number, peer?: string, local?: boolean, deadlineMs?: number }

export function parseSearch (args: ParsedArgs): SearchArgs {
  const query = args.positionals.join(' ').trim()
  if (query === '') throw new UsageError('The query is empty')
  const rawK = args.values.k as string | undefined
  const k = rawK == null ? SEARCH_K : Number(rawK)
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K) throw new UsageError(`--k must be an integer from 1 to ${MAX_SEARCH_K}`)
  const collection = args.values.collection as string | undefined
  const peer = args.values.peer as string | undefined
  const rawDeadline = args.values.deadline as string | undefined
  const deadlineMs = rawDeadline == null ? undefined : Number(rawDeadline)
  if (deadlineMs != null && (!Number.isInteger(deadlineMs) || deadlineMs < 1 || deadlineMs > MAX_FEDERATED_DEADLINE_MS)) throw new UsageError(`--deadline must be milliseconds from 1 to ${MAX_FEDERATED_DEADLINE_MS}`)
  if (peer != null && args.values.local === true) throw new UsageError('--peer and --local exclude each other')
  return { query, k, ...(collection != null ? { collection } : {}), ...(peer != null ? { peer } : {}), ...(args.values.local === true ? { local: true } : {}), ...(deadlineMs != null ? { deadlineMs } : {}) }
}

export async function runSearch (store: MemoryStore, a: SearchArgs, ctx: Pick<CommandContext, 'out' | 'json' | 'signal'>): Promise<number> {
  const hits = await store.search(a.query, { k: a.k, signal: ctx.signal, ...(a.collection != null ? { collection: a.collection } : {}) })
  if (ctx.json) { ctx.out.json(hits.map(h => ({ text: h.text, source: h.source, score: h.score, collection: h.collection }))); return 0 }
  if (hits.length === 0) { ctx.out.line('No matches.'); return 0 }
  hits.forEach((h, i) => {
    const text = h.text.replace(/\s+/g, ' ')
    ctx.out.line(`${i + 1}. ${h.source} [${h.collection}] score ${h.score.toFixed(3)}`)
    ctx.out.line(`   ${text.length > 240 ? text.slice(0, 237) + '...' : text}`)
  })
  return 0
}

export const memorySearch: Command = {
  path: ['memory', 'search'],
  summary: 'Search memory, across the members when a node runs: BM25, fused with vectors where they exist',
  usage: '[--collection C] [--peer P] [--local] [--k N] [--deadline MS] QUERY',
  options: {
    collection: { type: 'string', short: 'c', help: 'Search one collection, on whoever holds it (default: all)' },
    peer: { type: 'string', help: 'Search this member only (peer id or name)' },
    local: { type: 'boolean', help: 'Search this node only' },
    k: { type: 'string', short: 'k', help: `Number of results (default ${SEARCH_K})` },
    deadline: { type: 'string', help: `Wait this long for members, in ms (default ${FEDERATED_DEADLINE_MS})` }
  },
  positionals: { min: 1, max: 1000 },
  async run (ctx, args) {
    const a = parseSearch(args)
    // a running node searches the mesh; without one, or with --local, this machine's store answers
    if (a.local !== true && await readApiFile(ctx.home) != null) return await runMeshSearch(ctx, a)
    if (a.peer != null) throw new UsageError('--peer needs a running node (`mycel start`)')
    return await withStore(ctx, async store => await runSearch(store, a, ctx))
  }
}

export const memoryClassify: Command = {
  path: ['memory', 'classify'],
  summary: 'Set a collection\'s data class (local-only collections never serve other members)',
  usage: 'COLLECTION CLASS',
  positionals: { min: 2, max: 2 },
  async run (ctx, args) {
    const [collection, cls] = args.positionals as [string, string]
    if (!(DATA_CLASSES as readonly string[]).includes(cls)) throw new UsageError(`CLASS must be one of ${DATA_CLASSES.join(', ')}`)
    const r = await (await ApiClient.fromHome(ctx.home)).post<{ collection: string, class: string }>('/api/memory/class', { collection, class: cls }, ctx.signal)
    if (ctx.json) ctx.out.json(r)
    else ctx.out.line(`${r.collection} is now ${r.class}`)
  }
}

export const memoryReindex: Command = {
  path: ['memory', 'reindex'],
  summary: 'Add vectors to chunks that have none, with the node\'s embedding model',
  usage: '[--collection C]',
  options: { collection: { type: 'string', short: 'c', help: 'Reindex one collection (default: all)' } },
  async run (ctx, args) {
    const collection = args.values.collection as string | undefined
    // the running node holds the embedding model; without one there is nothing to embed with
    if (await readApiFile(ctx.home) == null) throw new UsageError('reindex needs a running node with an embedding model (`mycel start`)')
    return await withStore(ctx, async store => {
      const r = await store.reindex({ ...(collection != null ? { collection } : {}), signal: ctx.signal, onProgress: p => { ctx.out.progress(`reindex ${p.collection}`, p.done, p.total) } })
      if (ctx.json) { ctx.out.json(r); return 0 }
      for (const c of r.collections) ctx.out.line(`${c.name}: ${c.added} vectors added (${c.vectors} of ${c.chunks} chunks have one)`)
      return 0
    })
  }
}

export const memoryCommands: Command[] = [memoryIngest, memoryLs, memoryRm, memorySearch, memoryClassify, memoryReindex]
