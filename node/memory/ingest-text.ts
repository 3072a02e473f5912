/**
 * Documents whose text is not a text file: a PDF on disk (through
 * `pdf.ts`), and text a source hands in (a git blob, a mail message, an MCP
 * resource), keyed by the source's own name for it. Same commit rule as
 * files (one batch per document, or a pending record past the batch size);
 * the same bytes again write nothing but the new commit id.
 */
import { readFile, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { Chunker } from './chunker.ts'
import { MAX_PDF_BYTES, MAX_SOURCE_TEXT_BYTES } from './constants.ts'
import { DocWriter, type DocOrigin } from './doc-writer.ts'
import type { Collection } from './documents.ts'
import { EmbeddingDimensionError, UnreadableDocumentError } from './errors.ts'
import { htmlToText, kindOf } from './extract.ts'
import type { FoundFile } from './files.ts'
import type { FileOutcome, IngestComponents, IngestInit } from './ingest-types.ts'
import { keys } from './keys.ts'
import { pdfToText } from './pdf.ts'
import { DocumentRecord } from './records.ts'

/** One document a source hands in. */
export interface TextDoc extends DocOrigin {
  /** The document's bytes: UTF-8 text, HTML or a PDF, told apart by `rel`'s extension (text when none). */
  bytes: Uint8Array
  /** When the source last changed it (ms); defaults to now. */
  mtimeMs?: number
}

export interface TextIngestResult {
  collection: string
  added: string[]
  updated: string[]
  unchanged: string[]
  skipped: Array<{ path: string, reason: string }>
  chunks: number
}

export async function ingestPdf (c: IngestComponents, init: IngestInit, col: Collection, file: FoundFile, sourceId: string | undefined, old: DocumentRecord | undefined, signal?: AbortSignal): Promise<FileOutcome> {
  const st = await stat(file.path)
  if (st.size > MAX_PDF_BYTES) return await skip(c, col, file.path, old, `PDF larger than ${MAX_PDF_BYTES} bytes`)
  const bytes = await readFile(file.path)
  return await writeDoc(c, init, col, { source: file.path, rel: file.rel, ...(sourceId != null ? { sourceId } : {}), bytes, mtimeMs: st.mtimeMs }, old, signal)
}

/** Ingests documents handed in by a source; one that cannot be read is skipped with its reason, the rest go on. */
export async function ingestTexts (c: IngestComponents, init: IngestInit, col: Collection, docs: AsyncIterable<TextDoc> | Iterable<TextDoc>, signal?: AbortSignal): Promise<TextIngestResult> {
  const result: TextIngestResult = { collection: col.record.name, added: [], updated: [], unchanged: [], skipped: [], chunks: 0 }
  for await (const doc of docs) {
    signal?.throwIfAborted()
    try {
      const old = await c.records.read(keys.doc(col.token, c.records.codec.token('doc', doc.source)), DocumentRecord)
      const r = await writeDoc(c, init, col, doc, old, signal)
      if (r.status === 'skipped') result.skipped.push({ path: doc.source, reason: r.reason })
      else result[r.status].push(doc.source)
      result.chunks += r.chunks
    } catch (err) {
      if (signal?.aborted === true || (err as Error).name === EmbeddingDimensionError.name) throw err
      result.skipped.push({ path: doc.source, reason: (err as Error).message })
    }
  }
  await c.vectors.saveAll()
  return result
}

async function writeDoc (c: IngestComponents, init: IngestInit, col: Collection, doc: TextDoc, old: DocumentRecord | undefined, signal?: AbortSignal): Promise<FileOutcome> {
  const { records } = c
  const docToken = records.codec.token('doc', doc.source)
  const hash = createHash('sha256').update(doc.bytes).digest('hex')
  const mtimeMs = doc.mtimeMs ?? Date.now()
  if (old != null && old.hash === hash) {
    // same bytes: only the commit it was seen at (and the mtime) move on, so a rerun after a crash writes nothing twice
    if (old.commit !== doc.commit || old.mtimeMs !== mtimeMs) {
      await records.batch([records.put(keys.doc(col.token, docToken), { ...old, mtimeMs, ...(doc.commit != null ? { commit: doc.commit } : {}) })])
    }
    return { status: 'unchanged', chunks: 0 }
  }
  let text: string
  try {
    text = await textOf(doc, signal)
  } catch (err) {
    if ((err as Error).name !== UnreadableDocumentError.name) throw err
    return await skip(c, col, doc.source, old, (err as Error).message)
  }
  const writer = new DocWriter(c, init, col, docToken, doc)
  try {
    const chunker = new Chunker(init.chunking)
    await writer.add(chunker.push(text), signal)
    await writer.add(chunker.end(), signal)
    await writer.commit({ hash, mtimeMs, size: doc.bytes.byteLength }, old)
  } catch (err) {
    await writer.abort()
    throw err
  }
  return { status: old == null ? 'added' : 'updated', chunks: writer.nums.length }
}

/** The text of a handed-in document, by the extension of its path. */
async function textOf (doc: TextDoc, signal?: AbortSignal): Promise<string> {
  const kind = kindOf(doc.rel) ?? 'text'
  if (kind === 'pdf') return await pdfToText(doc.bytes, {}, signal)
  if (doc.bytes.byteLength > MAX_SOURCE_TEXT_BYTES) throw new UnreadableDocumentError(`larger than ${MAX_SOURCE_TEXT_BYTES} bytes`)
  if (doc.bytes.includes(0)) throw new UnreadableDocumentError('binary')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(doc.bytes).replaceAll('\r\n', '\n')
  } catch {
    throw new UnreadableDocumentError('not UTF-8')
  }
  if (kind === 'html') text = htmlToText(text)
  if (!/\S/.test(text)) throw new UnreadableDocumentError('empty')
  return text
}

async function skip (c: IngestComponents, col: Collection, source: string, old: DocumentRecord | undefined, reason: string): Promise<FileOutcome> {
  if (old != null && await c.documents.removeDocument(col, source)) reason += '; its earlier version was removed'
  return { status: 'skipped', reason, chunks: 0 }
}
