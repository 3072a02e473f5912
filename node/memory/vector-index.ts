/**
 * Nearest-neighbour search over one collection's embeddings, by inner product
 * on unit-length vectors (= cosine similarity). Exact brute force while the
 * collection is small; from `annThreshold` vectors on, an HNSW graph from
 * usearch (prebuilt N-API binaries), which can be saved beside the database
 * and loaded back when its generation matches the database's.
 * When usearch cannot load on this platform, search stays exact.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rename, rm, writeFile, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../logger.ts'
import { ANN_CONNECTIVITY, ANN_EXPANSION_ADD, ANN_EXPANSION_SEARCH, ANN_THRESHOLD_VECTORS } from './constants.ts'

type Usearch = typeof import('usearch').default
type UsearchIndex = InstanceType<Usearch['Index']>

let usearchModule: Promise<Usearch | undefined> | undefined

/** Loads usearch once; undefined when its native part does not load here. */
export async function loadUsearch (log?: Logger): Promise<Usearch | undefined> {
  usearchModule ??= import('usearch').then(m => m.default, (err: Error) => {
    log?.error('usearch unavailable, vector search stays exact: %s', err.message)
    return undefined
  })
  return await usearchModule
}

export interface Neighbour { id: number, score: number }

/** Seals the saved graph at rest: the memory store's value codec, with the file's identity as associated data. */
export interface GraphSeal {
  seal: (ad: string, plain: Uint8Array) => Uint8Array
  open: (ad: string, sealed: Uint8Array) => Uint8Array
}

/**
 * usearch reads and writes graphs only through file paths: a sealed graph
 * passes through a private file in a RAM-backed folder (`/dev/shm` where
 * there is one), removed at once, so what stays on disk is sealed.
 */
async function withPlainFile<T> (fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mycel-ann-'))
  try {
    return await fn(join(dir, 'graph'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export interface VectorIndexInit {
  /** @default ANN_THRESHOLD_VECTORS */
  annThreshold?: number
  /** @default ANN_EXPANSION_SEARCH */
  expansionSearch?: number
  logger?: Logger
}

export function normalize (v: Float32Array): Float32Array {
  let s = 0
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number)
  const n = Math.sqrt(s)
  const out = new Float32Array(v.length)
  if (n > 0) for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / n
  return out
}

/** Exact top-k by inner product over rows of `data` (row i has id `ids[i]`). */
export function exactTopK (data: Float32Array, ids: ArrayLike<number>, count: number, dims: number, q: Float32Array, k: number): Neighbour[] {
  const topS: number[] = []
  const topI: number[] = []
  for (let r = 0; r < count; r++) {
    let s = 0
    const off = r * dims
    for (let j = 0; j < dims; j++) s += (data[off + j] as number) * (q[j] as number)
    if (topS.length === k && s <= (topS[k - 1] as number)) continue
    let pos = topS.length
    while (pos > 0 && (topS[pos - 1] as number) < s) pos--
    topS.splice(pos, 0, s)
    topI.splice(pos, 0, r)
    if (topS.length > k) { topS.pop(); topI.pop() }
  }
  return topI.map((r, i) => ({ id: ids[r] as number, score: topS[i] as number }))
}

export class VectorIndex {
  readonly dims: number
  private readonly threshold: number
  private readonly expansionSearch: number
  private readonly log?: Logger
  private data: Float32Array
  private ids: Float64Array
  private count = 0
  private readonly slot = new Map<number, number>()
  private ann?: UsearchIndex
  private annSize = 0
  private readonly usearch?: Usearch
  /** Changed since it was last saved. */
  dirty = false

  constructor (dims: number, usearch: Usearch | undefined, init: VectorIndexInit = {}) {
    this.dims = dims
    this.usearch = usearch
    this.threshold = init.annThreshold ?? ANN_THRESHOLD_VECTORS
    this.expansionSearch = init.expansionSearch ?? ANN_EXPANSION_SEARCH
    if (init.logger != null) this.log = init.logger
    this.data = new Float32Array(dims * 64)
    this.ids = new Float64Array(64)
  }

  get size (): number { return this.ann != null ? this.annSize : this.count }
  get mode (): 'exact' | 'ann' { return this.ann != null ? 'ann' : 'exact' }

  /** Adds many vectors at once (unit length expected); switches to ANN past the threshold. */
  addMany (ids: number[], vectors: Float32Array[]): void {
    if (ids.length === 0) return
    this.dirty = true
    if (this.ann != null) {
      this.annAdd(ids, vectors)
      return
    }
    for (let i = 0; i < ids.length; i++) this.exactAdd(ids[i] as number, vectors[i] as Float32Array)
    if (this.count >= this.threshold && this.usearch != null) this.switchToAnn()
  }

  remove (id: number): void {
    if (this.ann != null) {
      if (this.ann.contains(BigInt(id)) as boolean) { this.ann.remove(BigInt(id)); this.annSize--; this.dirty = true }
      return
    }
    const s = this.slot.get(id)
    if (s == null) return
    const last = this.count - 1
    if (s !== last) {
      this.data.copyWithin(s * this.dims, last * this.dims, (last + 1) * this.dims)
      const lastId = this.ids[last] as number
      this.ids[s] = lastId
      this.slot.set(lastId, s)
    }
    this.slot.delete(id)
    this.count--
    this.dirty = true
  }

  search (q: Float32Array, k: number): Neighbour[] {
    if (k <= 0 || this.size === 0) return []
    if (this.ann != null) {
      const m = this.ann.search(q, Math.min(k, this.annSize), 0)
      const out: Neighbour[] = []
      for (let i = 0; i < m.keys.length; i++) out.push({ id: Number(m.keys[i]), score: 1 - (m.distances[i] as number) })
      return out
    }
    return exactTopK(this.data, this.ids, this.count, this.dims, q, k)
  }

  /**
   * Saves the ANN graph with the database generation it reflects; exact indexes are not saved (rebuilt fast).
   * With `seal`, the file holds the sealed graph, bound to its path's name and generation.
   */
  async save (path: string, generation: number, seal?: GraphSeal): Promise<void> {
    if (this.ann == null) {
      if (existsSync(path)) await unlink(path).catch(() => {})
      this.dirty = false
      return
    }
    const ann = this.ann
    if (seal == null) ann.save(path + '.tmp')
    else {
      const plain = await withPlainFile(async (tmp) => { ann.save(tmp); return await readFile(tmp) })
      await writeFile(path + '.tmp', seal.seal(graphAd(path, generation), plain), { mode: 0o600 })
    }
    await rename(path + '.tmp', path)
    await writeFile(path + '.json', JSON.stringify({ generation, dims: this.dims, size: this.annSize, sealed: seal != null }))
    this.dirty = false
  }

  /** Loads a saved ANN graph if it matches `generation`; false when missing or stale. */
  async load (path: string, generation: number, seal?: GraphSeal): Promise<boolean> {
    if (this.usearch == null || !existsSync(path) || !existsSync(path + '.json')) return false
    try {
      const meta = JSON.parse(await readFile(path + '.json', 'utf8')) as { generation?: unknown, dims?: unknown, size?: unknown, sealed?: unknown }
      if (meta.generation !== generation || meta.dims !== this.dims || typeof meta.size !== 'number') return false
      // a plain graph where a sealed one belongs (or the reverse) is rebuilt from the database, not trusted
      if ((meta.sealed === true) !== (seal != null)) return false
      const ann = this.newAnn()
      if (seal == null) ann.load(path)
      else {
        const plain = seal.open(graphAd(path, generation), await readFile(path))
        await withPlainFile(async (tmp) => { await writeFile(tmp, plain, { mode: 0o600 }); ann.load(tmp) })
      }
      if (ann.size() !== meta.size) return false
      this.ann = ann
      this.annSize = meta.size
      this.dirty = false
      return true
    } catch (err) {
      this.log?.error('ignoring unreadable vector index %s: %s', path, (err as Error).message)
      return false
    }
  }

  private exactAdd (id: number, v: Float32Array): void {
    const existing = this.slot.get(id)
    const s = existing ?? this.count
    if (existing == null) {
      if ((s + 1) * this.dims > this.data.length) {
        const grown = new Float32Array(this.data.length * 2)
        grown.set(this.data)
        this.data = grown
        const grownIds = new Float64Array(this.ids.length * 2)
        grownIds.set(this.ids)
        this.ids = grownIds
      }
      this.count++
    }
    this.data.set(v.subarray(0, this.dims), s * this.dims)
    this.ids[s] = id
    this.slot.set(id, s)
  }

  private newAnn (): UsearchIndex {
    const u = this.usearch as Usearch
    return new u.Index({
      dimensions: this.dims,
      metric: u.MetricKind.IP,
      quantization: u.ScalarKind.F32,
      connectivity: ANN_CONNECTIVITY,
      expansion_add: ANN_EXPANSION_ADD,
      expansion_search: this.expansionSearch,
      multi: false
    })
  }

  private switchToAnn (): void {
    this.log?.('vector index: %d vectors, switching to HNSW', this.count)
    this.ann = this.newAnn()
    this.annSize = 0
    const ids: number[] = []
    const vecs: Float32Array[] = []
    for (let i = 0; i < this.count; i++) {
      ids.push(this.ids[i] as number)
      vecs.push(this.data.subarray(i * this.dims, (i + 1) * this.dims))
    }
    this.annAdd(ids, vecs)
    this.data = new Float32Array(0)
    this.ids = new Float64Array(0)
    this.slot.clear()
    this.count = 0
  }

  private annAdd (ids: number[], vectors: Float32Array[]): void {
    const ann = this.ann as UsearchIndex
    const keys: bigint[] = []
    const fresh: Float32Array[] = []
    for (let i = 0; i < ids.length; i++) {
      const key = BigInt(ids[i] as number)
      if (ann.contains(key) as boolean) { ann.remove(key); this.annSize-- }
      keys.push(key)
      fresh.push(vectors[i] as Float32Array)
    }
    const matrix = new Float32Array(keys.length * this.dims)
    fresh.forEach((v, i) => matrix.set(v.subarray(0, this.dims), i * this.dims))
    ann.add(BigUint64Array.from(keys), matrix, 0)
    this.annSize += keys.length
  }
}

/** What a sealed graph is bound to: its file name and generation, so neither a swapped nor a stale file opens. */
function graphAd (path: string, generation: number): string {
  return `ann/${path.slice(path.lastIndexOf('/') + 1)}/${generation}`
}
