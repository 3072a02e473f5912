/**
 * The store's invariants, checked from scratch: every chunk belongs to a
 * document that lists it; every document's chunks exist; the postings are
 * exactly those the chunks' texts produce; vectors belong to chunks; the
 * collection statistics add up; no document is left half-written.
 * Used after crash tests and handy when diagnosing a store.
 */
import { keys, parseNum, range } from './keys.ts'
import { ChunkRecord, CollectionRecord, decodePostings, DocumentRecord } from './records.ts'
import { termFrequencies } from './tokenize.ts'
import type { RecordStore } from './record-store.ts'

export interface ConsistencyReport {
  ok: boolean
  /** The first problems found (at most 20). */
  problems: string[]
  collections: number
  documents: number
  chunks: number
  postings: number
  vectors: number
}

export async function checkConsistency (records: RecordStore): Promise<ConsistencyReport> {
  const problems: string[] = []
  const problem = (p: string): void => { if (problems.length < 20) problems.push(p) }
  const report = { collections: 0, documents: 0, chunks: 0, postings: 0, vectors: 0 }
  const chunkOwner = new Map<number, string>() // chunk -> col/doc token
  const cols = new Map<string, CollectionRecord>()
  for await (const [key, value] of records.kv.iterator(range(keys.colPrefix))) cols.set(key.slice(keys.colPrefix.length), records.decode(key, value, CollectionRecord))
  report.collections = cols.size
  for (const [token, col] of cols) {
    let docs = 0; let chunks = 0; let tokens = 0
    for await (const [key, value] of records.kv.iterator(range(keys.docPrefix(token)))) {
      const d = records.decode(key, value, DocumentRecord)
      docs++; chunks += d.chunks.length; tokens += d.tokens
      for (const n of d.chunks) {
        if (chunkOwner.has(n)) problem(`chunk ${n} listed by two documents`)
        chunkOwner.set(n, `${token}/${key.slice(keys.docPrefix(token).length)}`)
      }
    }
    report.documents += docs
    if (docs !== col.documents || chunks !== col.chunks || tokens !== col.tokens) {
      problem(`collection ${col.name}: statistics say ${col.documents} documents/${col.chunks} chunks/${col.tokens} tokens, found ${docs}/${chunks}/${tokens}`)
    }
  }
  const expected = new Map<string, Map<number, string>>() // block key -> chunk -> 'tf,len'
  const seenChunks = new Set<number>()
  for await (const [key, value] of records.kv.iterator(range(keys.chunkPrefix))) {
    const n = parseNum(key)
    const c = records.decode(key, value, ChunkRecord)
    report.chunks++
    seenChunks.add(n)
    const owner = chunkOwner.get(n)
    if (owner !== `${c.c}/${c.d}`) problem(`chunk ${n} (${c.source}) belongs to no document that lists it`)
    const { tf, length } = termFrequencies(c.text)
    if (length !== c.len) problem(`chunk ${n}: stored length ${c.len}, text has ${length} tokens`)
    for (const [term, count] of tf) {
      const key = keys.posting(c.c, records.codec.token('term', term), c.seg)
      let block = expected.get(key)
      if (block == null) { block = new Map(); expected.set(key, block) }
      block.set(n, `${count},${length}`)
    }
  }
  for (const n of chunkOwner.keys()) if (!seenChunks.has(n)) problem(`chunk ${n} listed by a document is missing`)
  let postings = 0
  for await (const [key, value] of records.kv.iterator(range('pst/'))) {
    const triples = decodePostings(records.codec.open(key, value))
    const block = expected.get(key)
    for (let i = 0; i < triples.length; i += 3) {
      postings++
      const n = triples[i] as number
      if (block?.get(n) !== `${triples[i + 1]},${triples[i + 2]}`) problem(`posting of chunk ${n} in ${key} matches no chunk text`)
      block?.delete(n)
    }
    if (triples.length === 0) problem(`empty or malformed posting block ${key}`)
    if (block?.size === 0) expected.delete(key)
  }
  report.postings = postings
  if (expected.size > 0) problem(`postings missing in ${expected.size} blocks`)
  const vectorsPerCol = new Map<string, number>()
  for await (const key of records.kv.keys(range('vec/'))) {
    report.vectors++
    const colToken = key.slice(4, key.lastIndexOf('/'))
    vectorsPerCol.set(colToken, (vectorsPerCol.get(colToken) ?? 0) + 1)
    if (!seenChunks.has(parseNum(key))) problem(`vector ${key} has no chunk`)
  }
  for (const [token, col] of cols) {
    if ((vectorsPerCol.get(token) ?? 0) !== col.vectors) problem(`collection ${col.name}: ${col.vectors} vectors recorded, ${vectorsPerCol.get(token) ?? 0} stored`)
  }
  for await (const key of records.kv.keys(range(keys.pendingPrefix))) problem(`document left half-written: ${key}`)
  return { ok: problems.length === 0, problems, ...report }
}
