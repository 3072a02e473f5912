import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { MemoryStore, NOTHING_FOUND_ANSWER, fuseRrf } from '../../node/memory/index.ts'
import { tempDir, writeFiles, openStore, stubEmbed } from './helpers.ts'

const TOPICS = ['tides', 'glaciers', 'volcanoes', 'deserts', 'forests', 'rivers', 'caves', 'islands']

function library (): Record<string, string> {
  const files: Record<string, string> = {}
  for (const [i, topic] of TOPICS.entries()) {
    const sentences: string[] = []
    for (let s = 0; s < 40; s++) sentences.push(`Field note ${s} on ${topic} records how the survey team measured the ${topic} at station ${(s * 7 + i) % 13}.`)
    sentences.splice(17, 0, `Our ${topic} specialist once found a brass compass engraved with the number ${1000 + i} near the camp.`)
    files[`${topic}.md`] = `# ${topic}\n\n` + sentences.join(i % 2 === 0 ? ' ' : '\n\n')
  }
  return files
}

for (const mode of ['bm25', 'hybrid'] as const) {
  test(`an exact sentence from a document finds that document first (${mode})`, async (t) => {
    const dir = await tempDir(t)
    await writeFiles(dir, library())
    const { store } = await openStore(t, undefined, mode === 'hybrid' ? { embed: stubEmbed() } : {})
    await store.ingest([dir], { collection: 'atlas' })
    for (const [i, topic] of TOPICS.entries()) {
      const sentence = `Our ${topic} specialist once found a brass compass engraved with the number ${1000 + i} near the camp.`
      const [first] = await store.search(sentence, { collection: 'atlas', k: 3 })
      assert.equal(first?.source, join(dir, `${topic}.md`))
      assert.ok(first?.text.includes(sentence), 'the chunk holding the sentence comes first')
      assert.equal(first?.collection, 'atlas')
    }
    if (mode === 'hybrid') {
      // vectors always return neighbours; lexical: true is BM25 alone
      assert.ok((await store.search('xylophone', { collection: 'atlas' })).length > 0)
      assert.deepEqual(await store.search('xylophone', { collection: 'atlas', lexical: true }), [])
    }
  })
}

test('search results carry text, source, score, collection and chunk id; k bounds them', async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, library())
  const { store } = await openStore(t)
  await store.ingest([dir], { collection: 'atlas' })
  const hits = await store.search('survey team station', { k: 4 })
  assert.equal(hits.length, 4)
  for (const h of hits) {
    assert.deepEqual(Object.keys(h).sort(), ['chunkId', 'collection', 'end', 'score', 'source', 'start', 'text'])
    assert.ok(h.score > 0)
  }
  assert.ok(hits.every((h, i) => i === 0 || (hits[i - 1]?.score ?? 0) >= h.score))
  assert.deepEqual(await store.search('', { collection: 'atlas' }), [])
  assert.deepEqual(await store.search('xylophone', { collection: 'atlas' }), [])
})

test('relativeSources shows sources relative to the folder they were ingested from, never this machine\'s path', async (t) => {
  const dir = await tempDir(t)
  const other = await tempDir(t)
  await writeFiles(dir, { 'guides/ovens.md': 'The kiln ovens are cleaned every Friday.' })
  await writeFiles(other, { 'loose.txt': 'A loose note: the kiln key hangs by the door.' })
  const { store } = await openStore(t)
  await store.ingest([dir, join(other, 'loose.txt')], { collection: 'plant' })
  const local = await store.search('kiln', { collection: 'plant' })
  assert.deepEqual(local.map(h => h.source).sort(), [join(dir, 'guides', 'ovens.md'), join(other, 'loose.txt')].sort())
  const shown = await store.search('kiln', { collection: 'plant', relativeSources: true })
  assert.deepEqual(shown.map(h => h.source).sort(), [join('guides', 'ovens.md'), 'loose.txt'])
  for (const h of shown) assert.ok(!h.source.includes(dir) && !h.source.includes(other) && !h.source.startsWith('/'), h.source)
})

test('an unknown collection is a typed error; a bad name too', async (t) => {
  const { store } = await openStore(t)
  await assert.rejects(store.search('x', { collection: 'nope' }), { name: 'UnknownCollectionError' })
  await assert.rejects(store.search('x', { collection: '../etc' }), { name: 'InvalidCollectionNameError' })
  await assert.rejects(store.ingest([], { collection: 'a/b' }), { name: 'InvalidCollectionNameError' })
})

test('reciprocal rank fusion sums 1/(60 + rank)', () => {
  const fused = fuseRrf([[{ id: 1, score: 9 }, { id: 2, score: 8 }], [{ id: 2, score: 0.9 }, { id: 3, score: 0.5 }]])
  assert.deepEqual(fused.map(f => f.id), [2, 1, 3])
  assert.ok(Math.abs((fused[0]?.score ?? 0) - (1 / 62 + 1 / 61)) < 1e-12)
})

test('ask builds a prompt with numbered sources and returns the answer with them', async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, library())
  const { store } = await openStore(t)
  await store.ingest([dir], { collection: 'atlas' })
  let prompt = ''
  const r = await store.ask('Where was the brass compass engraved 1003 found?', {
    collection: 'atlas',
    k: 3,
    generate: async (p) => { prompt = p; return 'Near the camp [1].' }
  })
  assert.equal(r.answer, 'Near the camp [1].')
  assert.equal(r.sources.length, 3)
  assert.equal(r.sources[0]?.n, 1)
  assert.equal(r.sources[0]?.source, join(dir, 'deserts.md'))
  assert.match(prompt, /\[1\] ⟦untrusted source=".*deserts\.md"⟧\n/)
  assert.match(prompt, /\[3\] /)
  assert.match(prompt, /Question: Where was the brass compass engraved 1003 found\?\nAnswer:$/)
  const none = await store.ask('xylophone', { collection: 'atlas', generate: async () => assert.fail('no sources, no model call') })
  assert.deepEqual(none, { answer: NOTHING_FOUND_ANSWER, sources: [] })
})

test('with a key, nothing readable reaches the disk, and a wrong or missing key is refused', async (t) => {
  const dir = await tempDir(t)
  const dbDir = join(await tempDir(t), 'db')
  await writeFiles(dir, { 'secret.txt': 'The launch codeword is periwinkle and nobody may know it.' })
  const key = new Uint8Array(32).fill(7)
  {
    const db = new Level<string, Uint8Array>(dbDir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    const store = new MemoryStore({ db }, { encryptionKey: key, embed: stubEmbed() })
    await store.start()
    await store.ingest([dir], { collection: 'vault' })
    assert.equal((await store.search('periwinkle codeword', { collection: 'vault' }))[0]?.source, join(dir, 'secret.txt'))
    await store.stop()
    await db.close()
  }
  for (const f of await readdir(dbDir)) {
    const bytes = await readFile(join(dbDir, f))
    for (const word of ['periwinkle', 'codeword', 'vault', 'secret.txt']) assert.equal(bytes.includes(word), false, `${word} in ${f}`)
  }
  for (const [init, name] of [[{ encryptionKey: new Uint8Array(32).fill(8) }, 'WrongKeyError'], [{}, 'WrongKeyError']] as const) {
    const db = new Level<string, Uint8Array>(dbDir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await assert.rejects(new MemoryStore({ db }, init).start(), { name })
    await db.close()
  }
})
