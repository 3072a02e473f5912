/**
 * The memory store: collections of documents cut into chunks, a BM25
 * inverted index and embeddings, all in one `level` sublevel so each
 * document is written in one atomic batch. Ingest lives in `ingest.ts`,
 * retrieval in `search.ts`, vector indexes in `vectors.ts`; this file holds
 * the lifecycle, the collection records and the typed, optionally encrypted
 * reads and writes they share.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { createLogger, type Logger } from '../logger.ts'
import type { Shape } from '../../protocol/shape.ts'
import { DEFAULT_COLLECTION } from './constants.ts'
import { valueCodec, type ValueCodec } from './crypto.ts'
import type { ChunkerInit } from './chunker.ts'
import { InvalidCollectionNameError, StoreClosedError, UnknownCollectionError, UnknownDocumentError } from './errors.ts'
import { keys, range } from './keys.ts'
import { ChunkRecord, CollectionRecord, decodeRecord, DocumentRecord, encodeRecord, NumberRecord, PendingRecord } from './records.ts'
import { tokenize } from './tokenize.ts'
import { CollectionVectors } from './vectors.ts'
import { ingest, type IngestOptions, type IngestResult } from './ingest.ts'
import { ask, search, type AskOptions, type AskResult, type SearchHit, type SearchOptions } from './search.ts'
import { checkFormat } from './format.ts'
import { checkConsistency, type ConsistencyReport } from './consistency.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MemoryDb = AbstractLevel<any, any, any>
export type MemoryKv = AbstractSublevel<MemoryDb, any, string, Uint8Array> // eslint-disable-line @typescript-eslint/no-explicit-any

/** Turns texts into vectors; the runtime's embedding context in a node, a stub in tests. */
export type EmbedFn = (texts: string[], opts?: { signal?: AbortSignal }) => Promise<Float32Array[]>

export type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

export interface MemoryComponents {
  /** A level database or sublevel; the store keeps to its own `memory` sublevel inside it. */
  db: MemoryDb
  logger?: Logger
}

export interface MemoryStoreInit {
  /** 32 bytes; values are sealed at rest with it and names in keys hashed. @default unencrypted */
  encryptionKey?: Uint8Array
  /** Embedding function; without it retrieval is BM25 alone. @default none */
  embed?: EmbedFn
  /** Folder for saved ANN graphs (beside the database). @default not saved, rebuilt on first use */
  indexDir?: string
  /** @default ANN_THRESHOLD_VECTORS */
  annThreshold?: number
  /** @default ANN_EXPANSION_SEARCH */
  annExpansionSearch?: number
  /** Chunk sizes. @default CHUNK_TARGET_CHARS etc. */
  chunking?: ChunkerInit
  /** A document whose writes pass this many bytes is written in several batches under a pending record. @default MAX_BATCH_BYTES */
  maxBatchBytes?: number
  /** Name of the sublevel inside `db`. @default 'memory' */
  sublevel?: string
}

export interface CollectionInfo {
  name: string
  documents: number
  chunks: number
  vectors: number
  createdAt: number
}

export interface DocumentInfo {
  source: string
  hash: string
  size: number
  mtimeMs: number
  chunks: number
  ingestedAt: number
}

const COLLECTION_NAME = /^[A-Za-z0-9._-]{1,64}$/

export function validCollectionName (name: string): string {
  if (!COLLECTION_NAME.test(name)) throw new InvalidCollectionNameError()
  return name
}

export class MemoryStore {
  /** @internal */ readonly kv: MemoryKv
  /** @internal */ readonly codec: ValueCodec
  /** @internal */ readonly log: Logger
  /** @internal */ readonly init: MemoryStoreInit
  /** @internal serialises writes: one document at a time, so chunk numbers of a pending document are contiguous */
  lock: Promise<unknown> = Promise.resolve()
  /** @internal */ nextChunk = 0
  /** @internal */ readonly vectors: CollectionVectors
  private started = false

  constructor (components: MemoryComponents, init: MemoryStoreInit = {}) {
    this.kv = components.db.sublevel<string, Uint8Array>(init.sublevel ?? 'memory', { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.codec = valueCodec(init.encryptionKey)
    this.log = components.logger ?? createLogger('mycel:node:memory')
    this.init = init
    this.vectors = new CollectionVectors({ kv: this.kv, codec: this.codec, log: this.log, init, record: async (token) => await this.read(keys.col(token), CollectionRecord) })
  }

  get embed (): EmbedFn | undefined { return this.init.embed }

  /** Opens the store: checks the format and key, rolls back documents a crash left half-written, finishes interrupted removals. */
  async start (): Promise<void> {
    if (this.started) return
    await this.kv.open()
    await checkFormat(this.kv, this.codec)
    this.nextChunk = (await this.read(keys.nextChunk, NumberRecord)) ?? 0
    this.started = true
    await this.recover()
  }

  /** Saves ANN graphs that changed; leaves the database open (the caller owns it). Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    await this.lock.catch(() => {})
    await this.vectors.saveAll()
    this.vectors.clear()
    this.started = false
  }

  async [Symbol.asyncDispose] (): Promise<void> { await this.stop() }

  async ingest (paths: string[], opts: IngestOptions = {}): Promise<IngestResult> {
    return await this.exclusive(async () => await ingest(this, paths, opts))
  }

  async search (query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    this.assertStarted()
    return await search(this, query, opts)
  }

  async ask (question: string, opts: AskOptions): Promise<AskResult> {
    this.assertStarted()
    return await ask(this, question, opts)
  }

  /** Collections with their document and chunk counts, by name. */
  async collections (): Promise<CollectionInfo[]> {
    this.assertStarted()
    const out: CollectionInfo[] = []
    for (const c of await this.collectionRecords()) {
      out.push({ name: c.record.name, documents: c.record.documents, chunks: c.record.chunks, vectors: c.record.vectors, createdAt: c.record.createdAt })
    }
    return out.sort((a, b) => a.name < b.name ? -1 : 1)
  }

  async documents (collection: string): Promise<DocumentInfo[]> {
    const { token } = await this.requireCollection(collection)
    const out: DocumentInfo[] = []
    for await (const [key, value] of this.kv.iterator(range(keys.docPrefix(token)))) {
      const d = this.decode(key, value, DocumentRecord)
      out.push({ source: d.source, hash: d.hash, size: d.size, mtimeMs: d.mtimeMs, chunks: d.chunks.length, ingestedAt: d.ingestedAt })
    }
    return out.sort((a, b) => a.source < b.source ? -1 : 1)
  }

  /** Removes one document (by its source path as ingested). */
  async removeDocument (collection: string, source: string): Promise<void> {
    await this.exclusive(async () => {
      const { token, record } = await this.requireCollection(collection)
      if (!await this.removeDocumentUnlocked(token, record, source)) {
        throw new UnknownDocumentError(`No document ${source} in collection "${collection}"`)
      }
    })
  }

  /** @internal Removes a document in one batch, updating `record` in place; false if there is none. */
  async removeDocumentUnlocked (token: string, record: CollectionRecord, source: string): Promise<boolean> {
    const docToken = this.codec.token('doc', source)
    const doc = await this.read(keys.doc(token, docToken), DocumentRecord)
    if (doc == null) return false
    const ops: BatchOp[] = []
    const removed = await this.deleteChunkOps(token, doc.chunks, ops)
    ops.push({ type: 'del', key: keys.doc(token, docToken) })
    const next = { ...record }
    next.documents -= 1
    next.chunks -= doc.chunks.length
    next.tokens -= doc.tokens
    next.vectors -= removed.vectors
    if (removed.vectors > 0) next.vgen += 1
    ops.push(this.put(keys.col(token), next))
    await this.kv.batch(ops)
    Object.assign(record, next)
    await this.vectors.afterCommit(token, [], [], doc.chunks)
    return true
  }

  /** Removes a collection and everything in it, one document per batch, so a crash leaves it consistent and the next start finishes the job. */
  async removeCollection (collection: string): Promise<void> {
    await this.exclusive(async () => {
      const { token, record } = await this.requireCollection(collection)
      await this.kv.put(keys.col(token), this.seal(keys.col(token), { ...record, removing: true }))
      await this.finishRemoval(token)
    })
  }

  /** Removes documents of `collection` (or of every collection) whose source file no longer exists. */
  async prune (opts: { collection?: string } = {}): Promise<string[]> {
    const { existsSync } = await import('node:fs')
    const names = opts.collection != null ? [opts.collection] : (await this.collections()).map(c => c.name)
    const removed: string[] = []
    for (const name of names) {
      for (const d of await this.documents(name)) {
        if (!existsSync(d.source)) {
          await this.removeDocument(name, d.source)
          removed.push(d.source)
        }
      }
    }
    return removed
  }

  /** Checks the store's invariants; used by tests and by recovery diagnostics. */
  async check (): Promise<ConsistencyReport> {
    this.assertStarted()
    return await this.exclusive(async () => await checkConsistency(this))
  }

  // ---- internals shared with ingest.ts / search.ts / consistency.ts ----

  /** @internal */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    this.assertStarted()
    const run = this.lock.catch(() => {}).then(fn)
    this.lock = run.catch(() => {})
    return await run
  }

  /** @internal */
  assertStarted (): void {
    if (!this.started) throw new StoreClosedError()
  }

  /** @internal */
  seal (key: string, value: unknown): Uint8Array {
    return this.codec.seal(key, encodeRecord(value))
  }

  /** @internal */
  put (key: string, value: unknown): BatchOp {
    return { type: 'put', key, value: this.seal(key, value) }
  }

  /** @internal */
  decode<T> (key: string, value: Uint8Array, shape: Shape<T>): T {
    return decodeRecord(shape, this.codec.open(key, value), key.slice(0, key.indexOf('/')))
  }

  /** @internal */
  async read<T> (key: string, shape: Shape<T>): Promise<T | undefined> {
    const v = await this.kv.get(key)
    return v == null ? undefined : this.decode(key, v, shape)
  }

  /** @internal */
  async collectionRecords (includeRemoving = false): Promise<Array<{ token: string, record: CollectionRecord }>> {
    const out: Array<{ token: string, record: CollectionRecord }> = []
    for await (const [key, value] of this.kv.iterator(range(keys.colPrefix))) {
      const record = this.decode(key, value, CollectionRecord)
      if (record.removing === true && !includeRemoving) continue
      out.push({ token: key.slice(keys.colPrefix.length), record })
    }
    return out
  }

  /** @internal */
  async requireCollection (name: string): Promise<{ token: string, record: CollectionRecord }> {
    const token = this.codec.token('col', validCollectionName(name))
    const record = await this.read(keys.col(token), CollectionRecord)
    if (record == null || record.removing === true) throw new UnknownCollectionError(name)
    return { token, record }
  }

  /** @internal */
  async collectionFor (name: string = DEFAULT_COLLECTION): Promise<{ token: string, record: CollectionRecord, created: boolean }> {
    const token = this.codec.token('col', validCollectionName(name))
    const record = await this.read(keys.col(token), CollectionRecord)
    if (record != null && record.removing !== true) return { token, record, created: false }
    if (record?.removing === true) await this.finishRemoval(token)
    return { token, record: { name, createdAt: Date.now(), documents: 0, chunks: 0, tokens: 0, vectors: 0, dims: 0, vgen: 0 }, created: true }
  }

  /**
   * @internal Appends deletes for the given chunks, their postings and vectors to `ops`.
   * Postings are found by re-tokenizing the stored text (the tokenizer is part of the format).
   */
  async deleteChunkOps (colToken: string, chunkNums: number[], ops: BatchOp[]): Promise<{ vectors: number }> {
    let vectors = 0
    const blocks = new Set<string>()
    const BATCH = 512
    for (let i = 0; i < chunkNums.length; i += BATCH) {
      const nums = chunkNums.slice(i, i + BATCH)
      const chunkKeys = nums.map(n => keys.chunk(n))
      const vecKeys = nums.map(n => keys.vector(colToken, n))
      const [values, vecs] = await Promise.all([this.kv.getMany(chunkKeys), this.kv.getMany(vecKeys)])
      nums.forEach((n, j) => {
        const v = values[j]
        if (v != null) {
          const chunk = this.decode(chunkKeys[j] as string, v, ChunkRecord)
          for (const term of tokenize(chunk.text)) {
            const key = keys.posting(colToken, this.codec.token('term', term), chunk.seg)
            if (!blocks.has(key)) { blocks.add(key); ops.push({ type: 'del', key }) }
          }
          ops.push({ type: 'del', key: chunkKeys[j] as string })
        }
        if (vecs[j] != null) {
          vectors++
          ops.push({ type: 'del', key: vecKeys[j] as string })
        }
      })
    }
    return { vectors }
  }

  private async finishRemoval (token: string): Promise<void> {
    for (;;) {
      const batch: Array<[string, Uint8Array]> = []
      for await (const entry of this.kv.iterator({ ...range(keys.docPrefix(token)), limit: 16 })) batch.push(entry)
      if (batch.length === 0) break
      for (const [key, value] of batch) {
        const doc = this.decode(key, value, DocumentRecord)
        const ops: BatchOp[] = []
        await this.deleteChunkOps(token, doc.chunks, ops)
        ops.push({ type: 'del', key })
        await this.kv.batch(ops)
      }
    }
    // nothing but strays can be left under the collection's prefixes; clear them with the record
    const ops: BatchOp[] = [{ type: 'del', key: keys.col(token) }]
    for (const prefix of [keys.postingPrefix(token), keys.vectorPrefix(token)]) {
      for await (const key of this.kv.keys(range(prefix))) ops.push({ type: 'del', key })
    }
    await this.kv.batch(ops)
    await this.vectors.forget(token)
  }

  /**
   * @internal Deletes the chunks a document wrote in earlier batches before its commit
   * (numbers from the pending record's `first` up to the persisted counter), then the record.
   */
  async rollbackPending (colToken: string, docToken: string): Promise<void> {
    const key = keys.pending(colToken, docToken)
    const p = await this.read(key, PendingRecord)
    if (p == null) return
    const persistedNext = (await this.read(keys.nextChunk, NumberRecord)) ?? 0
    const nums: number[] = []
    for await (const [ck, cv] of this.kv.iterator({ gte: keys.chunk(p.first), lt: keys.chunk(Math.max(persistedNext, this.nextChunk)) })) {
      if (this.decode(ck, cv, ChunkRecord).d === docToken) nums.push(Number(ck.slice(keys.chunkPrefix.length)))
    }
    const ops: BatchOp[] = []
    await this.deleteChunkOps(colToken, nums, ops)
    ops.push({ type: 'del', key })
    await this.kv.batch(ops)
    this.log('rolled back %d chunks of half-written %s', nums.length, p.source)
  }

  /** Rolls back documents that a crash left half-written, and finishes collection removals. */
  private async recover (): Promise<void> {
    const pending: Array<[string, Uint8Array]> = []
    for await (const entry of this.kv.iterator(range(keys.pendingPrefix))) pending.push(entry)
    for (const [key] of pending) {
      const [colToken, docToken] = key.slice(keys.pendingPrefix.length).split('/') as [string, string]
      await this.rollbackPending(colToken, docToken)
    }
    for (const { token, record } of await this.collectionRecords(true)) {
      if (record.removing === true) await this.finishRemoval(token)
    }
  }
}
