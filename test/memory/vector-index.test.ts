import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { MemoryStore, VectorIndex, exactTopK, normalize } from '../../node/memory/index.ts'
import { loadUsearch } from '../../node/memory/vector-index.ts'
import { tempDir, writeFiles, stubEmbed } from './helpers.ts'

function randomVectors (n: number, dims: number, seed: number): Float32Array[] {
  let s = seed
  const rnd = (): number => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296 - 0.5 }
  return Array.from({ length: n }, () => normalize(Float32Array.from({ length: dims }, rnd)))
}

test('exact search returns the true nearest neighbours, removal included', () => {
  const vecs = randomVectors(500, 16, 1)
  const index = new VectorIndex(16, undefined)
  index.addMany(vecs.map((_, i) => i * 10), vecs)
  const q = vecs[123] as Float32Array
  const top = index.search(q, 3)
  assert.equal(top[0]?.id, 1230)
  assert.ok(Math.abs((top[0]?.score ?? 0) - 1) < 1e-5)
  index.remove(1230)
  assert.notEqual(index.search(q, 1)[0]?.id, 1230)
  assert.equal(index.size, 499)
})

test('past the threshold the ANN index takes over with high recall', async () => {
  const usearch = await loadUsearch()
  assert.ok(usearch != null, 'usearch loads from its prebuilt binary')
  const dims = 32
  const vecs = randomVectors(3000, dims, 2)
  const index = new VectorIndex(dims, usearch, { annThreshold: 1000 })
  index.addMany(vecs.map((_, i) => i), vecs)
  assert.equal(index.mode, 'ann')
  const flat = new Float32Array(vecs.length * dims)
  vecs.forEach((v, i) => flat.set(v, i * dims))
  const ids = vecs.map((_, i) => i)
  let found = 0
  for (const q of randomVectors(50, dims, 3)) {
    const truth = new Set(exactTopK(flat, ids, vecs.length, dims, q, 10).map(n => n.id))
    for (const n of index.search(q, 10)) if (truth.has(n.id)) found++
  }
  assert.ok(found / 500 >= 0.95, `recall@10 ${found / 500}`)
})

test('the ANN graph is saved beside the database, reused when fresh and rebuilt when stale', async (t) => {
  const docs = await tempDir(t)
  const root = await tempDir(t)
  const files: Record<string, string> = {}
  for (let i = 0; i < 60; i++) files[`n${i}.txt`] = `Note ${i} about topic${i % 7} and subject${i % 11}.`
  await writeFiles(docs, files)
  const indexDir = join(root, 'vectors')
  const open = async (): Promise<{ store: MemoryStore, db: Level<string, Uint8Array>, close: () => Promise<void> }> => {
    const db = new Level<string, Uint8Array>(join(root, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    const store = new MemoryStore({ db }, { embed: stubEmbed(), indexDir, annThreshold: 20 })
    await store.start()
    return { store, db, close: async () => { await store.stop(); await db.close() } }
  }
  let s = await open()
  await s.store.ingest([docs], { collection: 'notes' })
  const first = await s.store.search('topic3 subject5', { collection: 'notes', k: 5 })
  await s.close()
  assert.equal((await readdir(indexDir)).filter(f => f.endsWith('.usearch')).length, 1)

  s = await open()
  assert.deepEqual(await s.store.search('topic3 subject5', { collection: 'notes', k: 5 }), first)
  await s.close()

  // the database moves on without the saved graph (as after a crash): it is stale and rebuilt
  s = await open()
  await writeFiles(docs, { 'extra.txt': 'An extra note about topic3 and subject5 together.' })
  await s.store.ingest([docs], { collection: 'notes' })
  const withExtra = await s.store.search('topic3 subject5', { collection: 'notes', k: 5 })
  await s.store.removeDocument('notes', join(docs, 'extra.txt'))
  // simulate a crash: no stop(), so the saved graph still has the old generation
  await s.db.close()
  s = await open()
  const rebuilt = await s.store.search('topic3 subject5', { collection: 'notes', k: 5 })
  assert.ok(withExtra.some(h => h.source.endsWith('extra.txt')))
  assert.ok(!rebuilt.some(h => h.source.endsWith('extra.txt')))
  await s.close()
})
