/**
 * Memory benchmarks: ingest throughput with and without embeddings, BM25
 * and hybrid search latency at 100,000 chunks, and the ANN index's recall
 * and speed against exact search at 100,000 x 384 dimensions. Corpora and
 * vectors are synthetic and generated from fixed seeds.
 * Reproduce with `npm run bench -- memory`.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { MemoryStore, VectorIndex, exactTopK, normalize, tokenize, type EmbedFn } from '../../node/memory/index.ts'
import { loadUsearch } from '../../node/memory/vector-index.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const SEARCH_CHUNKS = Number(process.env.MEMORY_BENCH_CHUNKS ?? 100_000)
const INGEST_CHUNKS = 10_000
const ANN_VECTORS = Number(process.env.MEMORY_BENCH_VECTORS ?? 100_000)
const DIMS = 384
const QUERIES = 200
/** Exact search of 100k x 384 costs ~40 ms a query; 100 queries give 1,000 neighbours for recall. */
const ANN_QUERIES = 100

function rng (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 }
}

/** A Zipf-distributed vocabulary of pronounceable pseudo-words. */
function vocabulary (n: number, rnd: () => number): { words: string[], pick: () => string } {
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'fu', 'gi', 'ho', 'ja', 'be']
  const words: string[] = []
  const seen = new Set<string>()
  while (words.length < n) {
    let w = ''
    const len = 2 + Math.floor(rnd() * 3)
    for (let i = 0; i < len; i++) w += syl[Math.floor(rnd() * syl.length)]
    if (!seen.has(w)) { seen.add(w); words.push(w) }
  }
  // cumulative Zipf(s = 1) weights for sampling
  const cum = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) { total += 1 / (i + 1); cum[i] = total }
  const pick = (): string => {
    const x = rnd() * total
    let lo = 0; let hi = n - 1
    while (lo < hi) { const mid = (lo + hi) >> 1; if ((cum[mid] as number) < x) lo = mid + 1; else hi = mid }
    return words[lo] as string
  }
  return { words, pick }
}

/** Writes files holding about `chunks` paragraphs of ~100 words (one chunk each); returns sample sentences. */
async function writeCorpus (dir: string, chunks: number, seed: number): Promise<string[]> {
  const rnd = rng(seed)
  const { pick } = vocabulary(30_000, rnd)
  const perFile = 100
  const samples: string[] = []
  await mkdir(dir, { recursive: true })
  for (let f = 0; f * perFile < chunks; f++) {
    const paras: string[] = []
    for (let p = 0; p < perFile && f * perFile + p < chunks; p++) {
      const sentences: string[] = []
      for (let s = 0; s < 8; s++) {
        const words: string[] = []
        for (let w = 0; w < 12; w++) words.push(pick())
        sentences.push(words.join(' ') + '.')
      }
      if (rnd() < 0.02) samples.push(sentences[3] as string)
      paras.push(sentences.join(' '))
    }
    await writeFile(join(dir, `doc-${String(f).padStart(5, '0')}.txt`), paras.join('\n\n'))
  }
  return samples
}

/** Stub embedder (hashed bag of words), as in the tests: measures the store's cost around embeddings, not a model's. */
function stubEmbed (dims: number): EmbedFn {
  return async (texts) => texts.map(text => {
    const v = new Float32Array(dims)
    for (const tok of tokenize(text)) {
      let h = 0x811c9dc5
      for (let i = 0; i < tok.length; i++) { h ^= tok.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0 }
      v[h % dims]! += (h & 0x10000) !== 0 ? 1 : -1
    }
    return v
  })
}

async function withStore<T> (dir: string, init: ConstructorParameters<typeof MemoryStore>[1], fn: (s: MemoryStore) => Promise<T>): Promise<T> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  const store = new MemoryStore({ db }, init)
  await store.start()
  try { return await fn(store) } finally { await store.stop(); await db.close() }
}

async function ingestRate (root: string, docs: string, embed?: EmbedFn): Promise<number> {
  const dir = await mkdtemp(join(root, 'ingest-'))
  return await withStore(dir, embed != null ? { embed } : {}, async store => {
    const t0 = performance.now()
    const r = await store.ingest([docs], { collection: 'bench' })
    return r.chunks / ((performance.now() - t0) / 1000)
  })
}

/** p50 latency of each function over the queries, run alternately so both see the same machine and caches. */
async function p50s (queries: string[], fns: Array<(q: string) => Promise<unknown>>): Promise<number[]> {
  for (const q of queries.slice(0, 10)) for (const fn of fns) await fn(q) // warm-up: loads indexes, JIT
  const times: number[][] = fns.map(() => [])
  for (const q of queries) {
    for (const [i, fn] of fns.entries()) {
      const t0 = performance.now()
      await fn(q)
      times[i]?.push(performance.now() - t0)
    }
  }
  return times.map(t => percentile(t, 50))
}

/**
 * Clustered unit vectors: 1,000 Gaussian centres plus noise of twice their
 * spread. Real embeddings are far from uniform; uniform noise in 384
 * dimensions has no meaningful nearest neighbours (every point is about as
 * far as every other) and is no test of an index.
 */
function clusteredVectors (n: number, dims: number, seed: number): Float32Array[] {
  const rnd = rng(seed)
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
  const centres = Array.from({ length: 1000 }, () => Float32Array.from({ length: dims }, gauss))
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(rnd() * centres.length)] as Float32Array
    return normalize(Float32Array.from({ length: dims }, (_, j) => (c[j] as number) + 2 * gauss()))
  })
}

async function annRows (): Promise<BenchRow[]> {
  const usearch = await loadUsearch()
  if (usearch == null) return [{ suite: 'memory', name: 'ANN unavailable (usearch did not load)', value: 0, unit: '' }]
  const vecs = clusteredVectors(ANN_VECTORS + ANN_QUERIES, DIMS, 42)
  const data = vecs.slice(0, ANN_VECTORS)
  const queries = vecs.slice(ANN_VECTORS)
  const flat = new Float32Array(ANN_VECTORS * DIMS)
  data.forEach((v, i) => flat.set(v, i * DIMS))
  const ids = Array.from({ length: ANN_VECTORS }, (_, i) => i)
  const index = new VectorIndex(DIMS, usearch, { annThreshold: 1 })
  const t0 = performance.now()
  index.addMany(ids, data)
  const buildS = (performance.now() - t0) / 1000
  let found = 0
  const exactMs: number[] = []
  const annMs: number[] = []
  for (const q of queries) {
    let t = performance.now()
    const truth = exactTopK(flat, ids, ANN_VECTORS, DIMS, q, 10)
    exactMs.push(performance.now() - t)
    t = performance.now()
    const got = index.search(q, 10)
    annMs.push(performance.now() - t)
    const set = new Set(truth.map(n => n.id))
    for (const n of got) if (set.has(n.id)) found++
  }
  const recall = found / (queries.length * 10)
  const exactQps = 1000 / percentile(exactMs, 50)
  const annQps = 1000 / percentile(annMs, 50)
  const label = `${ANN_VECTORS / 1000}k x ${DIMS}`
  return [
    { suite: 'memory', name: `ANN recall@10 vs exact (${label})`, value: recall, unit: '', target: '>= 0.95', met: recall >= 0.95 },
    { suite: 'memory', name: `ANN queries/s, p50 (${label})`, value: annQps, unit: 'q/s', baseline: { name: 'exact brute force', value: exactQps } },
    { suite: 'memory', name: `ANN build (${label}, all cores)`, value: buildS, unit: 's' }
  ]
}

export const memory: BenchSuite = {
  name: 'memory',
  async run () {
    const root = await mkdtemp(join(tmpdir(), 'mycel-bench-memory-'))
    try {
      const rows: BenchRow[] = []
      const small = join(root, 'small')
      await writeCorpus(small, INGEST_CHUNKS, 1)
      const warm = join(root, 'warm')
      await writeCorpus(warm, 1000, 3)
      await ingestRate(root, warm) // warm-up, so neither measured run pays for the JIT
      await ingestRate(root, warm, stubEmbed(DIMS))
      const plain = await ingestRate(root, small)
      const embedded = await ingestRate(root, small, stubEmbed(DIMS))
      rows.push({ suite: 'memory', name: `ingest chunks/s, BM25 only (${INGEST_CHUNKS / 1000}k chunks)`, value: plain, unit: 'chunk/s' })
      rows.push({ suite: 'memory', name: `ingest chunks/s, with ${DIMS}-dim embeddings (stub embedder)`, value: embedded, unit: 'chunk/s', baseline: { name: 'BM25 only', value: plain } })

      const big = join(root, 'big')
      const samples = await writeCorpus(big, SEARCH_CHUNKS, 2)
      const dbDir = join(root, 'search-db')
      const embed = stubEmbed(DIMS)
      await withStore(dbDir, { embed, indexDir: join(root, 'vectors') }, async store => { await store.ingest([big], { collection: 'bench' }) })
      const queries = samples.slice(0, QUERIES).map(s => s.split(' ').slice(2, 8).join(' '))
      const [bm25, hybrid] = await withStore(dbDir, { embed, indexDir: join(root, 'vectors') }, async store => await p50s(queries, [
        async q => await store.search(q, { collection: 'bench', k: 10, lexical: true }),
        async q => await store.search(q, { collection: 'bench', k: 10 })
      ])) as [number, number]
      const n = `${SEARCH_CHUNKS / 1000}k chunks`
      rows.push({ suite: 'memory', name: `BM25 search p50 (${n}, k=10)`, value: bm25, unit: 'ms' })
      rows.push({ suite: 'memory', name: `hybrid search p50 (${n}, BM25 + ${DIMS}-dim ANN, RRF)`, value: hybrid, unit: 'ms', baseline: { name: 'BM25 only', value: bm25 } })
      rows.push(...await annRows())
      return rows
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }
}
