/**
 * The memory store: collections of documents cut into chunks, a BM25
 * inverted index and embeddings, all in one `level` sublevel so each
 * document is written in one atomic batch. A façade over layers that never
 * call back into it: records (`record-store.ts`) at the bottom, vector
 * indexes (`vectors.ts`) and documents (`documents.ts`) above them, ingest
 * (`ingest.ts`), retrieval (`search.ts`) and the invariant check
 * (`consistency.ts`) on top. This file holds the lifecycle and the lock
 * that serialises writes.
 */
import { createLogger, type Logger } from '../logger.ts'
import type { ChunkerInit } from './chunker.ts'
import { valueCodec } from './crypto.ts'
import { Documents, type CollectionInfo, type DocumentInfo } from './documents.ts'
import { NoEmbedderError, StoreClosedError, UnknownDocumentError } from './errors.ts'
import { reindex, type ReindexOptions, type ReindexResult } from './reindex.ts'
import { checkFormat } from './format.ts'
import { checkConsistency, type ConsistencyReport } from './consistency.ts'
import { ingest, type IngestOptions, type IngestResult } from './ingest.ts'
import { ingestTexts, type TextDoc, type TextIngestResult } from './ingest-text.ts'
import { forget, type ForgetOptions, type ForgetResult } from './forget.ts'
import { RecordStore, type MemoryDb } from './record-store.ts'
import { askWith, search, type AskOptions, type AskResult, type SearchHit, type SearchOptions } from './search.ts'
import { CollectionVectors, type CollectionVectorsInit, type EmbedFn } from './vectors.ts'

export type { MemoryDb, MemoryKv, BatchOp } from './record-store.ts'
export type { EmbedFn } from './vectors.ts'
export type { CollectionInfo, DocumentInfo } from './documents.ts'
export type { TextDoc, TextIngestResult } from './ingest-text.ts'
export type { ForgetOptions, ForgetResult } from './forget.ts'
export { validCollectionName } from './documents.ts'

export interface MemoryComponents {
  /** A level database or sublevel; the store keeps to its own `memory` sublevel inside it. */
  db: MemoryDb
  logger?: Logger
}

export interface MemoryStoreInit extends CollectionVectorsInit {
  /** 32 bytes; values are sealed at rest with it and names in keys hashed. @default unencrypted */
  encryptionKey?: Uint8Array
  /** Embedding function; without it retrieval is BM25 alone. @default none */
  embed?: EmbedFn
  /** Chunk sizes. @default CHUNK_TARGET_CHARS etc. */
  chunking?: ChunkerInit
  /** A document whose writes pass this many bytes is written in several batches under a pending record. @default MAX_BATCH_BYTES */
  maxBatchBytes?: number
  /** Name of the sublevel inside `db`. @default 'memory' */
  sublevel?: string
}

export class MemoryStore {
  private readonly records: RecordStore
  private readonly vectors: CollectionVectors
  private readonly docs: Documents
  private readonly log: Logger
  private readonly init: MemoryStoreInit
  /** Serialises writes: one document at a time, so chunk numbers of a pending document are contiguous. */
  private lock: Promise<unknown> = Promise.resolve()
  private started = false

  constructor (components: MemoryComponents, init: MemoryStoreInit = {}) {
    const kv = components.db.sublevel<string, Uint8Array>(init.sublevel ?? 'memory', { keyEncoding: 'utf8', valueEncoding: 'view' })
    const log = this.log = components.logger ?? createLogger('mycel:node:memory')
    const records = this.records = new RecordStore(kv, valueCodec(init.encryptionKey))
    const vectors = this.vectors = new CollectionVectors({ records, log }, init)
    this.docs = new Documents({ records, vectors, log })
    this.init = init
  }

  /** Opens the store: checks the format and key, rolls back documents a crash left half-written, finishes interrupted removals. */
  async start (): Promise<void> {
    if (this.started) return
    await this.records.kv.open()
    await checkFormat(this.records.kv, this.records.codec)
    await this.docs.recover()
    this.started = true
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
    return await this.exclusive(async () => await ingest(this.parts(), this.init, paths, opts))
  }

  /** Ingests documents a source hands in (keyed by their `source`), into one collection. */
  async ingestTexts (docs: AsyncIterable<TextDoc> | Iterable<TextDoc>, opts: { collection?: string, signal?: AbortSignal } = {}): Promise<TextIngestResult> {
    return await this.exclusive(async () => await ingestTexts(this.parts(), this.init, await this.docs.collectionFor(opts.collection), docs, opts.signal))
  }

  /** Removes documents by source name from a collection; names it does not hold are passed over. Returns those removed. */
  async removeDocuments (collection: string, sources: string[]): Promise<string[]> {
    return await this.exclusive(async () => {
      const col = await this.docs.requireCollection(collection).catch(() => undefined)
      if (col == null) return []
      const removed: string[] = []
      for (const s of sources) if (await this.docs.removeDocument(col, s)) removed.push(s)
      await this.vectors.saveAll()
      return removed
    })
  }

  /** Removes, in every collection, the documents a source wrote or that match a string (see `forget.ts`). */
  async forget (opts: ForgetOptions): Promise<ForgetResult> {
    return await this.exclusive(async () => await forget(this.parts(), opts))
  }

  async search (query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    this.assertStarted()
    return await search(this.parts(), query, opts)
  }

  /** Retrieves chunks, numbers them as sources and asks the model to answer citing them. */
  async ask (question: string, opts: AskOptions): Promise<AskResult> {
    this.assertStarted()
    return await askWith(async (q, o) => await search(this.parts(), q, o), question, opts)
  }

  /** Collections with their document and chunk counts, by name. */
  async collections (): Promise<CollectionInfo[]> {
    this.assertStarted()
    return await this.docs.collections()
  }

  async documents (collection: string): Promise<DocumentInfo[]> {
    this.assertStarted()
    return await this.docs.documents(collection)
  }

  /** The texts of a collection's chunks, document by document (for the guard's passage index). */
  async * chunkTexts (collection: string): AsyncGenerator<string> {
    this.assertStarted()
    yield * this.docs.chunkTexts(collection)
  }

  /** Removes one document (by its source path as ingested). */
  async removeDocument (collection: string, source: string): Promise<void> {
    await this.exclusive(async () => {
      if (!await this.docs.removeDocument(await this.docs.requireCollection(collection), source)) {
        throw new UnknownDocumentError(`No document ${source} in collection "${collection}"`)
      }
    })
  }

  /** Removes a collection and everything in it, one document per batch, so a crash leaves it consistent and the next start finishes the job. */
  async removeCollection (collection: string): Promise<void> {
    await this.exclusive(async () => { await this.docs.removeCollection(await this.docs.requireCollection(collection)) })
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

  /** Adds vectors to the chunks that have none, with the store's embed function. */
  async reindex (opts: ReindexOptions = {}): Promise<ReindexResult> {
    const embed = this.init.embed
    if (embed == null) throw new NoEmbedderError()
    return await this.exclusive(async () => await reindex({ records: this.records, documents: this.docs, vectors: this.vectors, embed }, opts))
  }

  /** Checks the store's invariants; used by tests and by recovery diagnostics. */
  async check (): Promise<ConsistencyReport> {
    return await this.exclusive(async () => await checkConsistency(this.records))
  }

  private parts (): { records: RecordStore, documents: Documents, vectors: CollectionVectors, log: Logger, embed?: EmbedFn } {
    return { records: this.records, documents: this.docs, vectors: this.vectors, log: this.log, ...(this.init.embed != null ? { embed: this.init.embed } : {}) }
  }

  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    this.assertStarted()
    const run = this.lock.catch(() => {}).then(fn)
    this.lock = run.catch(() => {})
    return await run
  }

  private assertStarted (): void {
    if (!this.started) throw new StoreClosedError()
  }
}
