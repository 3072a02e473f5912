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
import type { FileOutcome, IngestComponents, IngestInit } from './ingest-types.ts'
import { MAX_HTML_BYTES } from './constants.ts'
import { DocWriter } from './doc-writer.ts'
import { Chunker } from './chunker.ts'
import type { Collection } from './documents.ts'
import { EmbeddingDimensionError } from './errors.ts'
import { htmlToText } from './extract.ts'
import { ingestPdf } from './ingest-text.ts'
import { findFiles, probeFile, readTextSlices, type FoundFile, type Skip } from './files.ts'
import { keys } from './keys.ts'
import { DocumentRecord } from './records.ts'

export type { IngestComponents, IngestInit, FileOutcome } from './ingest-types.ts'

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
  /** Tag each document with this source id (`mycel sources`), so `forget --source` finds it. @default none */
  sourceId?: string
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
      const r = await ingestFile(c, init, col, file, opts.sourceId, signal)
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
    for (const d of await c.documents.documents(col.record.name)) {
      // a source prunes only what it wrote
      if ((opts.sourceId == null || d.sourceId === opts.sourceId) && !existsSync(d.source)) result.pruned.push(d.source)
    }
    for (const source of result.pruned) await c.documents.removeDocument(col, source)
  }
  await c.vectors.saveAll()
  return result
}


async function ingestFile (c: IngestComponents, init: IngestInit, col: Collection, file: FoundFile, sourceId: string | undefined, signal?: AbortSignal): Promise<FileOutcome> {
  const { records } = c
  const docToken = records.codec.token('doc', file.path)
  const docKey = keys.doc(col.token, docToken)
  const old = await records.read(docKey, DocumentRecord)
  const st = await stat(file.path)
  if (old != null && old.size === st.size && old.mtimeMs === st.mtimeMs) return { status: 'unchanged', chunks: 0 }
  if (file.kind === 'pdf') return await ingestPdf(c, init, col, file, sourceId, old, signal)
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
  const writer = new DocWriter(c, init, col, docToken, { source: file.path, rel: file.rel, ...(sourceId != null ? { sourceId } : {}) })
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

