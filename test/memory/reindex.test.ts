import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { MemoryStore, NoEmbedderError, normalize } from '../../node/memory/index.ts'
import { tempDir, writeFiles, stubEmbed } from './helpers.ts'

test('reindex adds vectors to chunks ingested without them, once', { timeout: 60_000 }, async (t) => {
  const root = await tempDir(t)
  const docs = await tempDir(t)
  await writeFiles(docs, { 'a.md': 'Ferries leave the harbour at dawn.', 'b.md': 'The bakery sells rye bread on Mondays.' })
  const db = new Level<string, Uint8Array>(join(root, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
  const plain = new MemoryStore({ db })
  await plain.start()
  await plain.ingest([docs], { collection: 'town' })
  await assert.rejects(plain.reindex(), (e: Error) => e.name === NoEmbedderError.name)
  await plain.stop()

  const store = new MemoryStore({ db }, { embed: stubEmbed() })
  await store.start()
  t.after(async () => { await store.stop(); await db.close() })
  assert.equal((await store.collections())[0]?.vectors, 0)
  const progress: Array<[number, number]> = []
  const r = await store.reindex({ onProgress: p => { progress.push([p.done, p.total]) } })
  assert.deepEqual(r.collections, [{ name: 'town', added: 2, chunks: 2, vectors: 2 }])
  assert.deepEqual(progress.at(-1), [2, 2])
  assert.equal((await store.collections())[0]?.vectors, 2)
  // the vectors take part: a query sharing no word with the text but its hashed bucket still ranks by fusion
  const hits = await store.search('ferries harbour', { collection: 'town', k: 1 })
  assert.equal(hits[0]?.source, join(docs, 'a.md'))
  assert.deepEqual((await store.reindex()).collections, [{ name: 'town', added: 0, chunks: 2, vectors: 2 }])
})

test('the saved ANN graph is sealed when the store is encrypted, plain floats otherwise', { timeout: 60_000 }, async (t) => {
  const docs = await tempDir(t)
  const files: Record<string, string> = {}
  for (let i = 0; i < 40; i++) files[`n${i}.txt`] = `Note ${i} about topic${i % 7} and subject${i % 11}.`
  await writeFiles(docs, files)
  const embed = stubEmbed()
  const needle = Buffer.from(normalize((await embed([files['n5.txt'] as string]))[0] as Float32Array).buffer)

  const graphBytes = async (encryptionKey?: Uint8Array): Promise<{ bytes: Buffer, again: () => Promise<unknown> }> => {
    const root = await tempDir(t)
    const indexDir = join(root, 'vectors')
    const open = async (): Promise<{ store: MemoryStore, close: () => Promise<void> }> => {
      const db = new Level<string, Uint8Array>(join(root, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
      const store = new MemoryStore({ db }, { embed, indexDir, annThreshold: 20, ...(encryptionKey != null ? { encryptionKey } : {}) })
      await store.start()
      return { store, close: async () => { await store.stop(); await db.close() } }
    }
    const s = await open()
    await s.store.ingest([docs], { collection: 'notes' })
    const before = await s.store.search('topic3 subject5', { collection: 'notes', k: 5 })
    await s.close()
    const graph = (await readdir(indexDir)).find(f => f.endsWith('.usearch'))
    assert.ok(graph != null, 'a graph was saved')
    return {
      bytes: await readFile(join(indexDir, graph)),
      again: async () => {
        const r = await open()
        try { assert.deepEqual(await r.store.search('topic3 subject5', { collection: 'notes', k: 5 }), before) } finally { await r.close() }
      }
    }
  }

  const plain = await graphBytes()
  assert.ok(plain.bytes.includes(needle), 'the unencrypted graph holds the vector as plain floats (the check can see them)')
  const sealed = await graphBytes(new Uint8Array(32).fill(7))
  assert.equal(sealed.bytes.includes(needle), false, 'the sealed graph does not')
  assert.equal(sealed.bytes.includes(needle.subarray(0, 16)), false)
  await sealed.again()
})
