/**
 * Forgetting: every document a source wrote (or whose name or text holds a
 * string), removed with its chunks, postings and vectors, one document per
 * batch, so a crash leaves the store consistent and a rerun removes the
 * rest. What it returns names documents by digest only, for the audit log,
 * and gives the caller fingerprints of the removed text, so copies of it in
 * conversation summaries can go too.
 */
import { createHash } from 'node:crypto'
import type { Documents } from './documents.ts'
import { keys, range } from './keys.ts'
import { ChunkRecord, DocumentRecord } from './records.ts'
import type { RecordStore } from './record-store.ts'
import type { CollectionVectors } from './vectors.ts'

export interface ForgetOptions {
  /** Documents written by this source id. */
  sourceId?: string
  /** Documents whose source name or text contains this (case-insensitive). */
  match?: string
  signal?: AbortSignal
}

export interface ForgetResult {
  documents: number
  chunks: number
  /** SHA-256 of each removed document's source name, hex: what the audit may record. */
  digests: string[]
  /** Lines of the removed text (at least `FINGERPRINT_MIN_CHARS` long), to find copies of it elsewhere; never logged. */
  fingerprints: string[]
}

/** A line this long or longer of removed text marks a summary that copied it. */
const FINGERPRINT_MIN_CHARS = 24
const MAX_FINGERPRINTS = 100_000

export async function forget (c: { records: RecordStore, documents: Documents, vectors: CollectionVectors }, opts: ForgetOptions): Promise<ForgetResult> {
  const { records, documents } = c
  const match = opts.match?.toLowerCase()
  const out: ForgetResult = { documents: 0, chunks: 0, digests: [], fingerprints: [] }
  const prints = new Set<string>()
  if (match != null) prints.add(match)
  for (const col of await documents.collectionRecords()) {
    const doomed: Array<{ source: string, chunks: number[] }> = []
    for await (const [key, value] of records.kv.iterator(range(keys.docPrefix(col.token)))) {
      opts.signal?.throwIfAborted()
      const d = records.decode(key, value, DocumentRecord)
      if (opts.sourceId != null && d.src === opts.sourceId) doomed.push(d)
      else if (match != null && (d.source.toLowerCase().includes(match) || await textMatches(records, d.chunks, match))) doomed.push(d)
    }
    for (const d of doomed) {
      opts.signal?.throwIfAborted()
      for (const line of await chunkLines(records, d.chunks)) if (prints.size < MAX_FINGERPRINTS) prints.add(line)
      if (await documents.removeDocument(col, d.source)) {
        out.documents++
        out.chunks += d.chunks.length
        out.digests.push(createHash('sha256').update(d.source).digest('hex'))
      }
    }
  }
  await c.vectors.saveAll()
  out.fingerprints = [...prints]
  return out
}

async function chunkTexts (records: RecordStore, nums: number[]): Promise<string[]> {
  const ks = nums.map(n => keys.chunk(n))
  const values = await records.kv.getMany(ks)
  const out: string[] = []
  values.forEach((v, i) => { if (v != null) out.push(records.decode(ks[i] as string, v, ChunkRecord).text) })
  return out
}

async function textMatches (records: RecordStore, nums: number[], match: string): Promise<boolean> {
  for (let i = 0; i < nums.length; i += 256) {
    if ((await chunkTexts(records, nums.slice(i, i + 256))).some(t => t.toLowerCase().includes(match))) return true
  }
  return false
}

async function chunkLines (records: RecordStore, nums: number[]): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < nums.length; i += 256) {
    for (const text of await chunkTexts(records, nums.slice(i, i + 256))) {
      for (const line of text.split(/\n|(?<=[.!?])\s+/)) {
        const l = line.trim().toLowerCase()
        if (l.length >= FINGERPRINT_MIN_CHARS) out.push(l)
      }
    }
  }
  return out
}
