/**
 * The vector indexes of a store's collections, one per collection, loaded on
 * first use: from the ANN graph saved in `indexDir` when its generation
 * matches the collection's, else rebuilt from the embeddings in the
 * database. Commits keep a loaded index in step; `saveAll` writes the graphs
 * that changed.
 */
import { join } from 'node:path'
import { mkdir, unlink } from 'node:fs/promises'
import type { Logger } from '../logger.ts'
import { keys, range } from './keys.ts'
import { CollectionRecord, decodeVector } from './records.ts'
import type { RecordStore } from './record-store.ts'
import { loadUsearch, normalize, VectorIndex, type GraphSeal } from './vector-index.ts'

/** Turns texts into vectors; the runtime's embedding context in a node, a stub in tests. */
export type EmbedFn = (texts: string[], opts?: { signal?: AbortSignal }) => Promise<Float32Array[]>

export interface CollectionVectorsInit {
  /** Folder for saved ANN graphs (beside the database). @default not saved, rebuilt on first use */
  indexDir?: string
  /** @default ANN_THRESHOLD_VECTORS */
  annThreshold?: number
  /** @default ANN_EXPANSION_SEARCH */
  annExpansionSearch?: number
}

export interface CollectionVectorsComponents {
  records: RecordStore
  log: Logger
}

export class CollectionVectors {
  private readonly c: CollectionVectorsComponents
  private readonly init: CollectionVectorsInit
  private readonly loaded = new Map<string, Promise<VectorIndex | undefined>>()

  constructor (components: CollectionVectorsComponents, init: CollectionVectorsInit = {}) {
    this.c = components
    this.init = init
  }

  /** The collection's index; undefined when it holds no vectors. */
  async get (colToken: string, record: CollectionRecord): Promise<VectorIndex | undefined> {
    if (record.vectors === 0 || record.dims === 0) return undefined
    let p = this.loaded.get(colToken)
    if (p == null) {
      p = this.load(colToken, record)
      this.loaded.set(colToken, p)
      p.catch(() => this.loaded.delete(colToken))
    }
    return await p
  }

  /** Applies a committed batch to a loaded index; `rebuild` drops it instead (rebuilt on next use). */
  async afterCommit (colToken: string, addedIds: number[], addedVectors: Float32Array[], removedIds: number[], rebuild = false): Promise<void> {
    const p = this.loaded.get(colToken)
    if (p == null) return
    if (rebuild) { this.loaded.delete(colToken); return }
    const index = await p
    if (index == null) { this.loaded.delete(colToken); return }
    for (const id of removedIds) index.remove(id)
    if (addedIds.length > 0) {
      if (addedVectors[0]?.length !== index.dims) { this.loaded.delete(colToken); return }
      index.addMany(addedIds, addedVectors)
    }
  }

  /** Saves the ANN graphs that changed since they were loaded or saved. */
  async saveAll (): Promise<void> {
    const dir = this.init.indexDir
    if (dir == null) return
    for (const [token, p] of this.loaded) {
      const index = await p.catch(() => undefined)
      if (index == null || !index.dirty) continue
      // the saved graph is stamped with the collection's current generation
      const record = await this.c.records.read(keys.col(token), CollectionRecord)
      if (record == null) continue
      await mkdir(dir, { recursive: true })
      await index.save(this.path(token), record.vgen, this.seal())
    }
  }

  /** Drops a removed collection's index and its saved graph. */
  async forget (colToken: string): Promise<void> {
    this.loaded.delete(colToken)
    if (this.init.indexDir == null) return
    for (const f of [this.path(colToken), this.path(colToken) + '.json']) await unlink(f).catch(() => {})
  }

  clear (): void {
    this.loaded.clear()
  }

  /** With an encryption key, saved graphs are sealed like every value in the database. */
  private seal (): GraphSeal | undefined {
    const codec = this.c.records.codec
    return codec.encrypted ? { seal: (ad, plain) => codec.seal(ad, plain), open: (ad, sealed) => codec.open(ad, sealed) } : undefined
  }

  private path (colToken: string): string {
    return join(this.init.indexDir as string, `${colToken.replace(/[^A-Za-z0-9._-]/g, '_')}.usearch`)
  }

  private async load (colToken: string, record: CollectionRecord): Promise<VectorIndex | undefined> {
    const { records: { kv, codec }, log } = this.c
    const init = this.init
    const index = new VectorIndex(record.dims, await loadUsearch(log), {
      logger: log,
      ...(init.annThreshold != null ? { annThreshold: init.annThreshold } : {}),
      ...(init.annExpansionSearch != null ? { expansionSearch: init.annExpansionSearch } : {})
    })
    if (init.indexDir != null && await index.load(this.path(colToken), record.vgen, this.seal())) {
      log('loaded saved vector index for collection %s', record.name)
      return index
    }
    const ids: number[] = []
    const vecs: Float32Array[] = []
    for await (const [key, value] of kv.iterator(range(keys.vectorPrefix(colToken)))) {
      ids.push(Number(key.slice(key.lastIndexOf('/') + 1)))
      vecs.push(normalize(decodeVector(codec.open(key, value))))
    }
    index.addMany(ids, vecs)
    return index
  }
}
