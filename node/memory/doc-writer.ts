/**
 * One document's writes, batched as the ingest file comment says: chunks,
 * postings and vectors accumulate; past `maxBatchBytes` they go ahead under
 * a pending record; the commit writes the document, the collection's counts
 * and drops the pending record in one batch.
 */
import { EMBED_BATCH_SIZE, MAX_BATCH_BYTES } from './constants.ts'
import type { TextChunk } from './chunker.ts'
import type { Collection } from './documents.ts'
import { EmbeddingDimensionError } from './errors.ts'
import type { IngestComponents, IngestInit } from './ingest-types.ts'
import { keys } from './keys.ts'
import { encodePostings, encodeVector, type CollectionRecord, type DocumentRecord } from './records.ts'
import type { BatchOp } from './record-store.ts'
import { termFrequencies } from './tokenize.ts'
import { normalize } from './vector-index.ts'

/** Where a document came from: its key in the store, what other members see, and the source that wrote it. */
export interface DocOrigin {
  /** Unique within the collection: a file's absolute path, or a source's own key. */
  source: string
  rel: string
  /** `mycel sources` id. */
  sourceId?: string
  /** Git commit the text was read at. */
  commit?: string
}

/** Accumulates one document's writes; see the file comment for the batching rule. */
export class DocWriter {
  private readonly c: IngestComponents
  private readonly init: IngestInit
  private readonly col: Collection
  private readonly docToken: string
  private readonly origin: DocOrigin
  private ops: BatchOp[] = []
  private bytes = 0
  private staged = false
  private readonly first: number
  readonly nums: number[] = []
  private tokens = 0
  private vectors = 0
  private dims: number
  private addedIds: number[] = []
  private addedVecs: Float32Array[] = []
  /** This segment's posting blocks: term token -> flat (chunk, tf, length) triples. */
  private blocks = new Map<string, number[]>()
  private seg: number
  private segments = 0

  constructor (c: IngestComponents, init: IngestInit, col: Collection, docToken: string, origin: DocOrigin) {
    this.c = c
    this.init = init
    this.col = col
    this.docToken = docToken
    this.origin = origin
    this.first = c.documents.nextChunk
    this.seg = c.documents.nextChunk
    this.dims = col.record.dims
  }

  async add (chunks: TextChunk[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < chunks.length; i += EMBED_BATCH_SIZE) {
      signal?.throwIfAborted()
      const group = chunks.slice(i, i + EMBED_BATCH_SIZE)
      let vecs: Float32Array[] | undefined
      const embed = this.init.embed
      if (embed != null) {
        vecs = (await embed(group.map(c => c.text), signal != null ? { signal } : {})).map(normalize)
        if (vecs.length !== group.length) throw new EmbeddingDimensionError('The embed function returned a different number of vectors than texts')
        for (const v of vecs) {
          if (this.dims === 0) this.dims = v.length
          if (v.length !== this.dims) throw new EmbeddingDimensionError(`Embeddings of ${v.length} dimensions do not match the collection's ${this.dims}`)
        }
      }
      group.forEach((c, j) => { this.addChunk(c, vecs?.[j]) })
      if (this.bytes > (this.init.maxBatchBytes ?? MAX_BATCH_BYTES)) await this.flush()
    }
  }

  private addChunk (chunk: TextChunk, vec?: Float32Array): void {
    const { records: { codec }, documents } = this.c
    const n = documents.nextChunk++
    const { tf, length } = termFrequencies(chunk.text)
    const chunkKey = keys.chunk(n)
    const value = this.c.records.seal(chunkKey, { text: chunk.text, source: this.origin.source, rel: this.origin.rel, start: chunk.start, end: chunk.end, c: this.col.token, d: this.docToken, len: length, seg: this.seg, ...this.tags() })
    this.push({ type: 'put', key: chunkKey, value })
    for (const [term, count] of tf) {
      const t = codec.token('term', term)
      let block = this.blocks.get(t)
      if (block == null) { block = []; this.blocks.set(t, block); this.bytes += t.length + 48 }
      block.push(n, count, length)
      this.bytes += 12
    }
    if (vec != null) {
      const key = keys.vector(this.col.token, n)
      this.push({ type: 'put', key, value: codec.seal(key, encodeVector(vec)) })
      this.vectors++
      if (!this.staged) { this.addedIds.push(n); this.addedVecs.push(vec) }
    }
    this.nums.push(n)
    this.tokens += length
  }

  /** Turns this segment's posting blocks into puts; the next chunks start a new segment. */
  private closeSegment (): void {
    const { codec } = this.c.records
    for (const [t, triples] of this.blocks) {
      const key = keys.posting(this.col.token, t, this.seg)
      this.ops.push({ type: 'put', key, value: codec.seal(key, encodePostings(triples)) })
    }
    this.blocks = new Map()
    this.seg = this.c.documents.nextChunk
    this.segments++
  }

  private push (op: BatchOp & { type: 'put' }): void {
    this.ops.push(op)
    this.bytes += op.key.length + op.value.byteLength + 16
  }

  /** Writes what has accumulated ahead of the commit, under a pending record that start-up recovery rolls back. */
  private async flush (): Promise<void> {
    this.closeSegment()
    const ops = this.ops
    if (!this.staged) {
      ops.unshift(this.c.records.put(keys.pending(this.col.token, this.docToken), { first: this.first, source: this.origin.source }))
      this.staged = true
      this.addedIds = []
      this.addedVecs = []
    }
    ops.push(this.c.records.put(keys.nextChunk, this.c.documents.nextChunk))
    this.ops = []
    this.bytes = 0
    await this.c.records.batch(ops)
  }

  async commit (meta: { hash: string, mtimeMs: number, size: number }, old: DocumentRecord | undefined): Promise<void> {
    const { c: { records, documents, vectors }, col } = this
    this.closeSegment()
    const ops = this.ops
    const removed = old != null ? await documents.deleteChunkOps(col.token, old.chunks, ops) : { vectors: 0 }
    const doc: DocumentRecord = { source: this.origin.source, ...meta, chunks: this.nums, tokens: this.tokens, ingestedAt: Date.now(), rel: this.origin.rel, ...this.tags() }
    ops.push(records.put(keys.doc(col.token, this.docToken), doc))
    const next: CollectionRecord = {
      ...col.record,
      documents: col.record.documents + (old == null ? 1 : 0),
      chunks: col.record.chunks + this.nums.length - (old?.chunks.length ?? 0),
      tokens: col.record.tokens + this.tokens - (old?.tokens ?? 0),
      vectors: col.record.vectors + this.vectors - removed.vectors,
      dims: this.dims,
      vgen: col.record.vgen + (this.vectors > 0 || removed.vectors > 0 ? 1 : 0)
    }
    if (next.vectors === 0) next.dims = 0
    ops.push(records.put(keys.col(col.token), next))
    ops.push(records.put(keys.nextChunk, documents.nextChunk))
    if (this.staged) ops.push({ type: 'del', key: keys.pending(col.token, this.docToken) })
    await records.batch(ops)
    col.record = next
    await vectors.afterCommit(col.token, this.addedIds, this.addedVecs, old?.chunks ?? [], this.staged)
  }

  private tags (): { src?: string, commit?: string } {
    return { ...(this.origin.sourceId != null ? { src: this.origin.sourceId } : {}), ...(this.origin.commit != null ? { commit: this.origin.commit } : {}) }
  }

  /** Drops what was not written and rolls back what was. */
  async abort (): Promise<void> {
    this.ops = []
    if (this.staged) await this.c.documents.rollbackPending(this.col.token, this.docToken)
  }
}
