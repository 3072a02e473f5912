/**
 * Reindex: vectors for the chunks that have none (ingested before an
 * embedding model was registered, or with another one). Chunks are embedded
 * in batches; each batch is written with the collection record in one
 * atomic batch, so an interrupted reindex leaves whole batches and a rerun
 * picks up the rest. A collection whose vectors have other dimensions than
 * the model's is refused, not mixed.
 */
import { EMBED_BATCH_SIZE } from './constants.ts'
import { EmbeddingDimensionError } from './errors.ts'
import { keys, range } from './keys.ts'
import { ChunkRecord, CollectionRecord, DocumentRecord, encodeVector } from './records.ts'
import type { BatchOp, RecordStore } from './record-store.ts'
import type { Documents } from './documents.ts'
import { normalize } from './vector-index.ts'
import type { CollectionVectors, EmbedFn } from './vectors.ts'

export interface ReindexComponents { records: RecordStore, documents: Documents, vectors: CollectionVectors, embed: EmbedFn }

export interface ReindexProgress { collection: string, done: number, total: number }

export interface ReindexOptions {
  /** One collection; all when absent. */
  collection?: string
  signal?: AbortSignal
  onProgress?: (p: ReindexProgress) => void
}

export interface ReindexResult { collections: Array<{ name: string, added: number, chunks: number, vectors: number }> }

export async function reindex (c: ReindexComponents, opts: ReindexOptions = {}): Promise<ReindexResult> {
  const { records, documents, vectors, embed } = c
  const { kv } = records
  const cols = opts.collection != null ? [await documents.requireCollection(opts.collection)] : await documents.collectionRecords()
  const out: ReindexResult = { collections: [] }
  for (const col of cols) {
    const have = new Set<number>()
    for await (const key of kv.keys(range(keys.vectorPrefix(col.token)))) have.add(Number(key.slice(key.lastIndexOf('/') + 1)))
    const missing: number[] = []
    for await (const [key, value] of kv.iterator(range(keys.docPrefix(col.token)))) {
      for (const n of records.decode(key, value, DocumentRecord).chunks) if (!have.has(n)) missing.push(n)
    }
    let record = col.record
    let added = 0
    opts.onProgress?.({ collection: record.name, done: 0, total: missing.length })
    for (let i = 0; i < missing.length; i += EMBED_BATCH_SIZE) {
      opts.signal?.throwIfAborted()
      const nums = missing.slice(i, i + EMBED_BATCH_SIZE)
      const chunkKeys = nums.map(n => keys.chunk(n))
      const values = await kv.getMany(chunkKeys)
      const ids: number[] = []
      const texts: string[] = []
      values.forEach((v, j) => { if (v != null) { ids.push(nums[j] as number); texts.push(records.decode(chunkKeys[j] as string, v, ChunkRecord).text) } })
      if (ids.length === 0) continue
      const vecs = (await embed(texts, opts.signal != null ? { signal: opts.signal } : {})).map(normalize)
      if (vecs.length !== ids.length) throw new EmbeddingDimensionError('The embed function returned a different number of vectors than texts')
      const dims = record.dims === 0 ? (vecs[0]?.length ?? 0) : record.dims
      if (vecs.some(v => v.length !== dims)) throw new EmbeddingDimensionError(`Embeddings of ${vecs[0]?.length ?? 0} dimensions do not match collection ${record.name}'s ${dims}`)
      const next: CollectionRecord = { ...record, vectors: record.vectors + ids.length, dims, vgen: record.vgen + 1 }
      const ops: BatchOp[] = ids.map((n, j) => {
        const key = keys.vector(col.token, n)
        return { type: 'put', key, value: records.codec.seal(key, encodeVector(vecs[j] as Float32Array)) }
      })
      ops.push(records.put(keys.col(col.token), next))
      await records.batch(ops)
      // a collection that had no vectors has no loaded index yet; one that had takes the new ones
      await vectors.afterCommit(col.token, ids, vecs, [], record.vectors === 0)
      record = col.record = next
      added += ids.length
      opts.onProgress?.({ collection: record.name, done: Math.min(missing.length, i + nums.length), total: missing.length })
    }
    out.collections.push({ name: record.name, added, chunks: record.chunks, vectors: record.vectors })
  }
  await vectors.saveAll()
  return out
}
