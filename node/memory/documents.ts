/**
 * The documents layer: collections and their documents as records, the
 * chunk counter, and the removals and roll-backs that keep them consistent.
 * A document is removed in one batch; a collection one document per batch
 * under a `removing` mark, so a crash leaves it consistent and `recover`
 * finishes the job. Ingest and search build on this; the façade
 * (`store.ts`) serialises the writes.
 */
import type { Logger } from '../logger.ts'
import { DEFAULT_COLLECTION } from './constants.ts'
import { InvalidCollectionNameError, UnknownCollectionError } from './errors.ts'
import { keys, range } from './keys.ts'
import { ChunkRecord, CollectionRecord, DocumentRecord, NumberRecord, PendingRecord } from './records.ts'
import type { BatchOp, RecordStore } from './record-store.ts'
import { tokenize } from './tokenize.ts'
import type { CollectionVectors } from './vectors.ts'

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
  /** The `mycel sources` id that wrote it, its path inside that source, and the commit it was read at. */
  sourceId?: string
  rel?: string
  commit?: string
}

/** A collection's storage token with its record; writers update `record` in place after each commit. */
export interface Collection { token: string, record: CollectionRecord }

const COLLECTION_NAME = /^[A-Za-z0-9._-]{1,64}$/

export function validCollectionName (name: string): string {
  if (!COLLECTION_NAME.test(name)) throw new InvalidCollectionNameError()
  return name
}

/** Chunk records read per `getMany` while deleting or reading a collection's texts. */
const DELETE_READ_BATCH = 512

export interface DocumentsComponents {
  records: RecordStore
  vectors: CollectionVectors
  log: Logger
}

export class Documents {
  private readonly c: DocumentsComponents
  /** The next chunk number; chunk numbers are never reused. */
  nextChunk = 0

  constructor (components: DocumentsComponents) {
    this.c = components
  }

  /** Reads the chunk counter, then rolls back documents a crash left half-written and finishes interrupted removals. */
  async recover (): Promise<void> {
    const { records } = this.c
    this.nextChunk = (await records.read(keys.nextChunk, NumberRecord)) ?? 0
    const pending: string[] = []
    for await (const key of records.kv.keys(range(keys.pendingPrefix))) pending.push(key)
    for (const key of pending) {
      const [colToken, docToken] = key.slice(keys.pendingPrefix.length).split('/') as [string, string]
      await this.rollbackPending(colToken, docToken)
    }
    for (const { token, record } of await this.collectionRecords(true)) {
      if (record.removing === true) await this.finishRemoval(token)
    }
  }

  async collectionRecords (includeRemoving = false): Promise<Collection[]> {
    const { records } = this.c
    const out: Collection[] = []
    for await (const [key, value] of records.kv.iterator(range(keys.colPrefix))) {
      const record = records.decode(key, value, CollectionRecord)
      if (record.removing === true && !includeRemoving) continue
      out.push({ token: key.slice(keys.colPrefix.length), record })
    }
    return out
  }

  /** Collections with their counts, by name. */
  async collections (): Promise<CollectionInfo[]> {
    return (await this.collectionRecords())
      .map(({ record: r }) => ({ name: r.name, documents: r.documents, chunks: r.chunks, vectors: r.vectors, createdAt: r.createdAt }))
      .sort((a, b) => a.name < b.name ? -1 : 1)
  }

  async documents (collection: string): Promise<DocumentInfo[]> {
    const { records } = this.c
    const { token } = await this.requireCollection(collection)
    const out: DocumentInfo[] = []
    for await (const [key, value] of records.kv.iterator(range(keys.docPrefix(token)))) {
      const d = records.decode(key, value, DocumentRecord)
      out.push({ source: d.source, hash: d.hash, size: d.size, mtimeMs: d.mtimeMs, chunks: d.chunks.length, ingestedAt: d.ingestedAt, ...(d.src != null ? { sourceId: d.src } : {}), ...(d.rel != null ? { rel: d.rel } : {}), ...(d.commit != null ? { commit: d.commit } : {}) })
    }
    return out.sort((a, b) => a.source < b.source ? -1 : 1)
  }

  /** The texts of a collection's chunks, document by document, read a batch at a time (the guard fingerprints them). */
  async * chunkTexts (collection: string): AsyncGenerator<string> {
    const { records } = this.c
    const { token } = await this.requireCollection(collection)
    for await (const [key, value] of records.kv.iterator(range(keys.docPrefix(token)))) {
      const nums = records.decode(key, value, DocumentRecord).chunks
      for (let i = 0; i < nums.length; i += DELETE_READ_BATCH) {
        const chunkKeys = nums.slice(i, i + DELETE_READ_BATCH).map(n => keys.chunk(n))
        const values = await records.kv.getMany(chunkKeys)
        for (let j = 0; j < values.length; j++) {
          const v = values[j]
          if (v != null) yield records.decode(chunkKeys[j] as string, v, ChunkRecord).text
        }
      }
    }
  }

  /** An existing collection; `UnknownCollectionError` otherwise. */
  async requireCollection (name: string): Promise<Collection> {
    const token = this.c.records.codec.token('col', validCollectionName(name))
    const record = await this.c.records.read(keys.col(token), CollectionRecord)
    if (record == null || record.removing === true) throw new UnknownCollectionError(name)
    return { token, record }
  }

  /** A collection to write to: the existing one, or a new record (written by the first commit). */
  async collectionFor (name: string = DEFAULT_COLLECTION): Promise<Collection & { created: boolean }> {
    const token = this.c.records.codec.token('col', validCollectionName(name))
    const record = await this.c.records.read(keys.col(token), CollectionRecord)
    if (record != null && record.removing !== true) return { token, record, created: false }
    if (record?.removing === true) await this.finishRemoval(token)
    return { token, record: { name, createdAt: Date.now(), documents: 0, chunks: 0, tokens: 0, vectors: 0, dims: 0, vgen: 0 }, created: true }
  }

  /** Removes a document in one batch, updating `col.record` in place; false if there is none. */
  async removeDocument (col: Collection, source: string): Promise<boolean> {
    const { records, vectors } = this.c
    const docKey = keys.doc(col.token, records.codec.token('doc', source))
    const doc = await records.read(docKey, DocumentRecord)
    if (doc == null) return false
    const ops: BatchOp[] = []
    const removed = await this.deleteChunkOps(col.token, doc.chunks, ops)
    ops.push({ type: 'del', key: docKey })
    const next = { ...col.record }
    next.documents -= 1
    next.chunks -= doc.chunks.length
    next.tokens -= doc.tokens
    next.vectors -= removed.vectors
    if (removed.vectors > 0) next.vgen += 1
    ops.push(records.put(keys.col(col.token), next))
    await records.batch(ops)
    col.record = next
    await vectors.afterCommit(col.token, [], [], doc.chunks)
    return true
  }

  /** Marks a collection removed, then removes what it holds. */
  async removeCollection (col: Collection): Promise<void> {
    await this.c.records.batch([this.c.records.put(keys.col(col.token), { ...col.record, removing: true })])
    await this.finishRemoval(col.token)
  }

  /**
   * Appends deletes for the given chunks, their postings and vectors to `ops`.
   * Postings are found by re-tokenizing the stored text (the tokenizer is part of the format).
   */
  async deleteChunkOps (colToken: string, chunkNums: number[], ops: BatchOp[]): Promise<{ vectors: number }> {
    const { records } = this.c
    let vectors = 0
    const blocks = new Set<string>()
    for (let i = 0; i < chunkNums.length; i += DELETE_READ_BATCH) {
      const nums = chunkNums.slice(i, i + DELETE_READ_BATCH)
      const chunkKeys = nums.map(n => keys.chunk(n))
      const vecKeys = nums.map(n => keys.vector(colToken, n))
      const [values, vecs] = await Promise.all([records.kv.getMany(chunkKeys), records.kv.getMany(vecKeys)])
      nums.forEach((_n, j) => {
        const v = values[j]
        if (v != null) {
          const chunk = records.decode(chunkKeys[j] as string, v, ChunkRecord)
          for (const term of tokenize(chunk.text)) {
            const key = keys.posting(colToken, records.codec.token('term', term), chunk.seg)
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

  /**
   * Deletes the chunks a document wrote in earlier batches before its commit
   * (numbers from the pending record's `first` up to the persisted counter), then the record.
   */
  async rollbackPending (colToken: string, docToken: string): Promise<void> {
    const { records, log } = this.c
    const key = keys.pending(colToken, docToken)
    const p = await records.read(key, PendingRecord)
    if (p == null) return
    const persistedNext = (await records.read(keys.nextChunk, NumberRecord)) ?? 0
    const nums: number[] = []
    for await (const [ck, cv] of records.kv.iterator({ gte: keys.chunk(p.first), lt: keys.chunk(Math.max(persistedNext, this.nextChunk)) })) {
      if (records.decode(ck, cv, ChunkRecord).d === docToken) nums.push(Number(ck.slice(keys.chunkPrefix.length)))
    }
    const ops: BatchOp[] = []
    await this.deleteChunkOps(colToken, nums, ops)
    ops.push({ type: 'del', key })
    await records.batch(ops)
    log('rolled back %d chunks of half-written %s', nums.length, p.source)
  }

  private async finishRemoval (token: string): Promise<void> {
    const { records, vectors } = this.c
    for (;;) {
      const batch: Array<[string, Uint8Array]> = []
      for await (const entry of records.kv.iterator({ ...range(keys.docPrefix(token)), limit: 16 })) batch.push(entry)
      if (batch.length === 0) break
      for (const [key, value] of batch) {
        const doc = records.decode(key, value, DocumentRecord)
        const ops: BatchOp[] = []
        await this.deleteChunkOps(token, doc.chunks, ops)
        ops.push({ type: 'del', key })
        await records.batch(ops)
      }
    }
    // nothing but strays can be left under the collection's prefixes; clear them with the record
    const ops: BatchOp[] = [{ type: 'del', key: keys.col(token) }]
    for (const prefix of [keys.postingPrefix(token), keys.vectorPrefix(token)]) {
      for await (const key of records.kv.keys(range(prefix))) ops.push({ type: 'del', key })
    }
    await records.batch(ops)
    await vectors.forget(token)
  }
}
