/**
 * Retrieval: BM25 over the inverted index, vector similarity when the
 * collection has embeddings and an embed function is present, fused by
 * reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009):
 * score(d) = sum over rankings of 1 / (RRF_K + rank(d)). Rank-based fusion
 * needs no score calibration between the two retrievers.
 */
import type { Logger } from '../logger.ts'
import { basename } from 'node:path'
import { BM25_B, BM25_K1, FUSION_CANDIDATES, MAX_QUERY_TERMS, MAX_SEARCH_K, RRF_K, SEARCH_K } from './constants.ts'
import { idf, queryTerms } from './bm25.ts'
import { keys, range } from './keys.ts'
import { ChunkRecord, decodePostings, type CollectionRecord } from './records.ts'
import type { RecordStore } from './record-store.ts'
import type { Documents } from './documents.ts'
import { normalize } from './vector-index.ts'
import type { CollectionVectors, EmbedFn } from './vectors.ts'
import { buildAskPrompt } from './prompt.ts'

export interface SearchComponents {
  records: RecordStore
  documents: Documents
  vectors: CollectionVectors
  log: Logger
  /** Embeds the query; without it retrieval is BM25 alone. */
  embed?: EmbedFn
}

export interface SearchOptions {
  /** Search one collection; all collections when absent. */
  collection?: string
  /** @default SEARCH_K */
  k?: number
  /** BM25 alone, even where embeddings exist. @default false */
  lexical?: boolean
  /** Sources relative to the folder each was ingested from, as other members are shown them, not this machine's paths. @default false */
  relativeSources?: boolean
  signal?: AbortSignal
}

export interface SearchHit {
  text: string
  /** Source file path on this machine; with `relativeSources`, relative to the folder it was ingested from. */
  source: string
  /** BM25 score, or the fused RRF score when vectors took part. */
  score: number
  collection: string
  chunkId: string
  /** Offsets of the chunk in the extracted text of its source. */
  start: number
  end: number
}

export interface Ranked { id: number, score: number }

/** Reciprocal rank fusion of several rankings (best first). */
export function fuseRrf (rankings: Ranked[][], k = RRF_K): Ranked[] {
  const acc = new Map<number, number>()
  for (const ranking of rankings) {
    ranking.forEach((r, i) => acc.set(r.id, (acc.get(r.id) ?? 0) + 1 / (k + i + 1)))
  }
  return [...acc].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id)
}

/** BM25 over one collection: the top `n` chunks for the query. */
export async function bm25Search (c: Pick<SearchComponents, 'records' | 'documents'>, colToken: string, record: CollectionRecord, query: string, n: number): Promise<Ranked[]> {
  const terms = queryTerms(query, MAX_QUERY_TERMS)
  if (terms.length === 0 || record.chunks === 0) return []
  const avg = record.tokens / record.chunks
  const k1 = BM25_K1
  const b = BM25_B
  // dense accumulator over chunk numbers: far cheaper than a Map at 100k candidates
  const { records: { kv, codec } } = c
  const scores = new Float64Array(c.documents.nextChunk)
  const touched: number[] = []
  // read every term's blocks at once: level serves iterators from its thread pool in parallel
  const readList = async (term: string): Promise<Uint32Array[]> => {
    const blocks: Uint32Array[] = []
    const it = kv.iterator(range(keys.termPrefix(colToken, codec.token('term', term))))
    try {
      for (let entries = await it.nextv(1024); entries.length > 0; entries = await it.nextv(1024)) {
        for (const [key, value] of entries) blocks.push(decodePostings(codec.open(key, value)))
      }
    } finally {
      await it.close()
    }
    return blocks
  }
  const lists = await Promise.all(terms.map(readList))
  for (const blocks of lists) {
    let df = 0
    for (const t of blocks) df += t.length / 3
    if (df === 0) continue
    const w = idf(record.chunks, df)
    for (const t of blocks) {
      for (let i = 0; i < t.length; i += 3) {
        const id = t[i] as number
        const tf = t[i + 1] as number
        // inline termScore(): this loop runs once per posting
        const s = w * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * (t[i + 2] as number) / avg))
        if (id >= scores.length) continue
        if (scores[id] === 0) touched.push(id)
        scores[id] = (scores[id] as number) + s
      }
    }
  }
  return topN(scores, touched, n)
}

function topN (scores: Float64Array, touched: number[], n: number): Ranked[] {
  // keep a small sorted list: O(candidates * log n) instead of sorting every candidate
  const top: Ranked[] = []
  for (const id of touched) {
    const score = scores[id] as number
    if (top.length === n && score <= (top[n - 1] as Ranked).score) continue
    let lo = 0
    let hi = top.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const m = top[mid] as Ranked
      if (m.score > score || (m.score === score && m.id < id)) lo = mid + 1
      else hi = mid
    }
    top.splice(lo, 0, { id, score })
    if (top.length > n) top.pop()
  }
  return top
}

export async function search (c: SearchComponents, query: string, opts: SearchOptions): Promise<SearchHit[]> {
  const { records, documents, vectors, log, embed } = c
  const k = Math.max(1, Math.min(MAX_SEARCH_K, Math.floor(opts.k ?? SEARCH_K)))
  const cols = opts.collection != null ? [await documents.requireCollection(opts.collection)] : await documents.collectionRecords()
  const n = Math.max(k, FUSION_CANDIDATES)
  let queryVector: Float32Array | undefined
  const merged: Array<Ranked & { collection: string }> = []
  for (const { token, record } of cols) {
    opts.signal?.throwIfAborted()
    const lexical = await bm25Search(c, token, record, query, n)
    let ranked = lexical
    if (embed != null && record.vectors > 0 && opts.lexical !== true) {
      const index = await vectors.get(token, record)
      if (index != null) {
        queryVector ??= normalize((await embed([query], opts.signal != null ? { signal: opts.signal } : {}))[0] ?? new Float32Array(0))
        if (queryVector.length === index.dims) ranked = fuseRrf([lexical, index.search(queryVector, n)])
        else log.error('query embedding has %d dimensions, collection %s holds %d: BM25 only', queryVector.length, record.name, index.dims)
      }
    }
    for (const r of ranked.slice(0, k)) merged.push({ ...r, collection: record.name })
  }
  merged.sort((a, b) => b.score - a.score || a.id - b.id)
  const top = merged.slice(0, k)
  const chunkKeys = top.map(r => keys.chunk(r.id))
  const values = await records.kv.getMany(chunkKeys)
  const hits: SearchHit[] = []
  top.forEach((r, i) => {
    const v = values[i]
    if (v == null) return // removed between ranking and reading
    const chunk = records.decode(chunkKeys[i] as string, v, ChunkRecord)
    // chunks written before `rel` existed show only their file name
    const source = opts.relativeSources === true ? chunk.rel ?? basename(chunk.source) : chunk.source
    hits.push({ text: chunk.text, source, score: r.score, collection: r.collection, chunkId: String(r.id), start: chunk.start, end: chunk.end })
  })
  return hits
}

/** Produces the answer text from a prompt; the runtime's completion in a node. */
export type GenerateFn = (prompt: string, opts?: { signal?: AbortSignal }) => Promise<string>

export interface AskOptions {
  collection?: string
  generate: GenerateFn
  /** Chunks given to the model. @default SEARCH_K */
  k?: number
  signal?: AbortSignal
}

export interface AskSource { n: number, source: string, chunkId: string, collection: string, score: number, text: string }
export interface AskResult { answer: string, sources: AskSource[] }

export const NOTHING_FOUND_ANSWER = 'Nothing in memory matches the question.'

/** `ask` over any search function: a local store's, or a running node's through its control API. */
export async function askWith (searchFn: (query: string, opts: SearchOptions) => Promise<SearchHit[]>, question: string, opts: AskOptions): Promise<AskResult> {
  const hits = await searchFn(question, {
    ...(opts.collection != null ? { collection: opts.collection } : {}),
    k: opts.k ?? SEARCH_K,
    ...(opts.signal != null ? { signal: opts.signal } : {})
  })
  if (hits.length === 0) return { answer: NOTHING_FOUND_ANSWER, sources: [] }
  const sources = hits.map((h, i) => ({ n: i + 1, source: h.source, chunkId: h.chunkId, collection: h.collection, score: h.score, text: h.text }))
  const answer = await opts.generate(buildAskPrompt(question, sources), opts.signal != null ? { signal: opts.signal } : {})
  return { answer, sources }
}
