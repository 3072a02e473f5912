/**
 * Ingest: files and folders in, chunks, postings and embeddings out.
 *
 * Each document is committed by one batch, which also replaces its previous
 * chunks and updates the collection's statistics, so a reader (or a crash)
 * sees the old document or the new one, never half of either. A document too
 * large for one batch first writes its chunks in several batches under a
 * `pend/` record; the final batch commits it and drops the record, and the
 * store rolls back any record it finds on start. Unchanged files (same size
 * and mtime, or the same hash) write nothing.
 */
import { stat, readFile } from 'node:fs/promises'
import type { Logger } from '../logger.ts'
import { EMBED_BATCH_SIZE, MAX_BATCH_BYTES, MAX_HTML_BYTES } from './constants.ts'
import { Chunker, type ChunkerInit, type TextChunk } from './chunker.ts'
import type { Collection, Documents } from './documents.ts'
import { EmbeddingDimensionError } from './errors.ts'
import { htmlToText } from './extract.ts'
import { findFiles, probeFile, readTextSlices, type FoundFile, type Skip } from './files.ts'
import { keys } from './keys.ts'
import { DocumentRecord, encodePostings, encodeVector, type CollectionRecord } from './records.ts'
import type { BatchOp, RecordStore } from './record-store.ts'
import { termFrequencies } from './tokenize.ts'
import { normalize } from './vector-index.ts'
import type { CollectionVectors, EmbedFn } from './vectors.ts'

export interface IngestComponents {
  records: RecordStore
  documents: Documents
  vectors: CollectionVectors
  log: Logger
}

export interface IngestInit {
  /** Embedding function; without it only the BM25 index is written. @default none */
  embed?: EmbedFn
  /** Chunk sizes. @default CHUNK_TARGET_CHARS etc. */
  chunking?: ChunkerInit
  /** @default MAX_BATCH_BYTES */
  maxBatchBytes?: number
}

export interface IngestProgress {
  /** Files finished. */
  done: number
  total: number
  /** The file being read. */
  path?: string
}

export interface IngestOptions {
  /** @default DEFAULT_COLLECTION */
  collection?: string
  onProgress?: (p: IngestProgress) => void
  signal?: AbortSignal
  /** Also remove documents of the collection whose files are gone. @default false */
  prune?: boolean
}

export interface IngestResult {
  collection: string
  added: string[]
  updated: string[]
  unchanged: string[]
  /** Files not indexed, with the reason; the rest of the ingest went on. */
  skipped: Skip[]
  /** Documents removed because their files are gone (with `prune`). */
  pruned: string[]
  /** Chunks written. */
  chunks: number
}

/** Ingests files and folders into one collection; the caller serialises writes. */
export async function ingest (c: IngestComponents, init: IngestInit, paths: string[], opts: IngestOptions): Promise<IngestResult> {
  const signal = opts.signal
  const col = await c.documents.collectionFor(opts.collection)
  const { files, skipped } = await findFiles(paths, signal)
  const result: IngestResult = { collection: col.record.name, added: [], updated: [], unchanged: [], skipped, pruned: [], chunks: 0 }
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as FoundFile
    opts.onProgress?.({ done: i, total: files.length, path: file.path })
    try {
      const r = await ingestFile(c, init, col, file, signal)
      if (r.status === 'skipped') skipped.push({ path: file.path, reason: r.reason })
      else result[r.status].push(file.path)
      result.chunks += r.chunks
    } catch (err) {
      if (signal?.aborted === true) throw err
      if ((err as Error).name === EmbeddingDimensionError.name) throw err
      c.log.error('ingest of %s failed: %s', file.path, (err as Error).message)
      skipped.push({ path: file.path, reason: (err as Error).message })
    }
  }
  opts.onProgress?.({ done: files.length, total: files.length })
  if (opts.prune === true && !col.created) {
    const { existsSync } = await import('node:fs')
    for (const d of await c.documents.documents(col.record.name)) if (!existsSync(d.source)) result.pruned.push(d.source)
    for (const source of result.pruned) await c.documents.removeDocument(col, source)
  }
  await c.vectors.saveAll()
  return result
}

type FileOutcome = { status: 'added' | 'updated' | 'unchanged', chunks: number } | { status: 'skipped', reason: string, chunks: 0 }

async function ingestFile (c: IngestComponents, init: IngestInit, col: Collection, file: FoundFile, signal?: AbortSignal): Promise<FileOutcome> {
  const { records } = c
  const docToken = records.codec.token('doc', file.path)
  const docKey = keys.doc(col.token, docToken)
  const old = await records.read(docKey, DocumentRecord)
  const st = await stat(file.path)
  if (old != null && old.size === st.size && old.mtimeMs === st.mtimeMs) return { status: 'unchanged', chunks: 0 }
  const probe = await probeFile(file.path, signal)
  if (probe.problem != null || (file.kind === 'html' && probe.size > MAX_HTML_BYTES)) {
    let reason = probe.problem ?? `HTML larger than ${MAX_HTML_BYTES} bytes`
    if (old != null && await c.documents.removeDocument(col, file.path)) reason += '; its earlier version was removed'
    return { status: 'skipped', reason, chunks: 0 }
  }
  if (old != null && old.hash === probe.hash) {
    // same bytes, new mtime: remember the mtime so the next run skips the hash too
    await records.batch([records.put(docKey, { ...old, mtimeMs: probe.mtimeMs })])
    return { status: 'unchanged', chunks: 0 }
  }
  const writer = new DocWriter(c, init, col, docToken, file)
  try {
    const chunker = new Chunker(init.chunking)
    if (file.kind === 'html') {
      await writer.add(chunker.push(htmlToText(await readFile(file.path, 'utf8'))), signal)
    } else {
      for await (const slice of readTextSlices(file.path, signal)) await writer.add(chunker.push(slice), signal)
    }
    await writer.add(chunker.end(), signal)
    await writer.commit({ hash: probe.hash, mtimeMs: probe.mtimeMs, size: probe.size }, old)
  } catch (err) {
    await writer.abort()
    throw err
  }
  return { status: old == null ? 'added' : 'updated', chunks: writer.nums.length }
}

/** Accumulates one document's writes; see the file comment for the batching rule. */
class DocWriter {
  private readonly c: IngestComponents
  private readonly init: IngestInit
  private readonly col: Collection
  private readonly docToken: string
  private readonly source: string
  private readonly rel: string
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

  constructor (c: IngestComponents, init: IngestInit, col: Collection, docToken: string, file: FoundFile) {
    this.c = c
    this.init = init
    this.col = col
    this.docToken = docToken
    this.source = file.path
    this.rel = file.rel
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
    const value = this.c.records.seal(chunkKey, { text: chunk.text, source: this.source, rel: this.rel, start: chunk.start, end: chunk.end, c: this.col.token, d: this.docToken, len: length, seg: this.seg })
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
      ops.unshift(this.c.records.put(keys.pending(this.col.token, this.docToken), { first: this.first, source: this.source }))
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
    const doc: DocumentRecord = { source: this.source, ...meta, chunks: this.nums, tokens: this.tokens, ingestedAt: Date.now() }
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

  /** Drops what was not written and rolls back what was. */
  async abort (): Promise<void> {
    this.ops = []
    if (this.staged) await this.c.documents.rollbackPending(this.col.token, this.docToken)
  }
}
