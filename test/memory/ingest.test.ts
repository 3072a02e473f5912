import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, unlink, utimes, open } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, writeFiles, openStore, stubEmbed } from './helpers.ts'

const para = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `Paragraph ${i} about ${topic} explains item ${topic}${i} in plain words.`).join('\n\n')

test('re-ingesting unchanged files writes nothing, even after a touch', async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, { 'docs/a.md': para('alpha', 30), 'docs/b.txt': para('beta', 5), 'docs/sub/c.html': `<p>${para('gamma', 3)}</p>` })
  const { store, writes } = await openStore(t, undefined, { embed: stubEmbed() })
  const first = await store.ingest([join(dir, 'docs')], { collection: 'kb' })
  assert.equal(first.added.length, 3)
  assert.ok(first.chunks > 3)
  const before = writes()
  const again = await store.ingest([join(dir, 'docs')], { collection: 'kb' })
  assert.equal(again.unchanged.length, 3)
  assert.equal(again.chunks, 0)
  assert.equal(writes(), before, 'second ingest wrote to the database')
  // same bytes, new mtime: only the document's mtime is remembered, no chunk is rewritten
  const future = new Date(Date.now() + 60_000)
  await utimes(join(dir, 'docs/a.md'), future, future)
  const touched = await store.ingest([join(dir, 'docs')], { collection: 'kb' })
  assert.equal(touched.unchanged.length, 3)
  assert.equal(writes(), before + 1)
  const third = writes()
  await store.ingest([join(dir, 'docs')], { collection: 'kb' })
  assert.equal(writes(), third)
  assert.ok((await store.check()).ok)
})

test("a changed file's old chunks are gone and the new ones are found", async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, { 'a.txt': 'The zeppelin hangar is next to the old quarry.\n\n' + para('alpha', 60) })
  const { store } = await openStore(t, undefined, { embed: stubEmbed() })
  await store.ingest([dir], { collection: 'kb' })
  assert.equal((await store.search('zeppelin hangar', { collection: 'kb' }))[0]?.source, join(dir, 'a.txt'))
  const [before] = await store.collections()
  await writeFile(join(dir, 'a.txt'), 'The submarine dock moved to the harbour.\n\n' + para('alpha', 10))
  const r = await store.ingest([dir], { collection: 'kb' })
  assert.deepEqual(r.updated, [join(dir, 'a.txt')])
  // vectors always return neighbours, so look at the text: nothing of the old version is left
  assert.ok((await store.search('zeppelin hangar', { collection: 'kb', k: 50 })).every(h => !h.text.includes('zeppelin')))
  assert.equal((await store.search('submarine dock', { collection: 'kb' }))[0]?.source, join(dir, 'a.txt'))
  const [after] = await store.collections()
  assert.equal(after?.documents, 1)
  assert.ok((after?.chunks ?? 0) < (before?.chunks ?? 0))
  assert.equal(after?.vectors, after?.chunks)
  const report = await store.check()
  assert.ok(report.ok, report.problems.join('\n'))
})

test('prune removes documents whose files are gone; rm removes documents and collections', async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, { 'a.txt': 'apples grow on trees', 'b.txt': 'bananas grow in bunches', 'c.txt': 'cherries are red' })
  const { store } = await openStore(t)
  await store.ingest([dir], { collection: 'fruit' })
  await store.ingest([join(dir, 'c.txt')], { collection: 'other' })
  await unlink(join(dir, 'b.txt'))
  const r = await store.ingest([dir], { collection: 'fruit', prune: true })
  assert.deepEqual(r.pruned, [join(dir, 'b.txt')])
  assert.deepEqual(await store.search('bananas', { collection: 'fruit' }), [])
  await store.removeDocument('fruit', join(dir, 'a.txt'))
  assert.deepEqual((await store.documents('fruit')).map(d => d.source), [join(dir, 'c.txt')])
  await store.removeCollection('fruit')
  assert.deepEqual((await store.collections()).map(c => c.name), ['other'])
  await assert.rejects(store.search('cherries', { collection: 'fruit' }), { name: 'UnknownCollectionError' })
  assert.equal((await store.search('cherries'))[0]?.collection, 'other')
  const report = await store.check()
  assert.ok(report.ok, report.problems.join('\n'))
})

test('bad input is skipped with a reason and the rest of the ingest goes on', async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, {
    'good.txt': 'The good file talks about lighthouses.',
    'binary.txt': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]),
    'latin1.md': new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72]),
    'empty.txt': '',
    'blank.md': '  \n\n \t',
    'image.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    'later.html': '<html><body><h1>Tides</h1><p>Tides &amp; currents &#8212; &lt;notes&gt;</p><script>alert(1)</script></body></html>'
  })
  const { store } = await openStore(t)
  const r = await store.ingest([dir, join(dir, 'missing.txt')], { collection: 'kb' })
  assert.deepEqual(r.added.map(p => p.slice(dir.length + 1)).sort(), ['good.txt', 'later.html'])
  const reasons = Object.fromEntries(r.skipped.map(s => [s.path.slice(dir.length + 1), s.reason]))
  assert.deepEqual(reasons, {
    'binary.txt': 'binary',
    'latin1.md': 'not UTF-8',
    'empty.txt': 'empty',
    'blank.md': 'empty',
    'image.png': 'unsupported file type',
    'missing.txt': 'not found'
  })
  const [hit] = await store.search('currents', { collection: 'kb' })
  assert.equal(hit?.text, 'Tides\n\nTides & currents — <notes>')
  assert.deepEqual(await store.search('alert', { collection: 'kb' }), [])
})

test('a huge file is streamed, written in several batches, and searchable end to end', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'huge.txt')
  const fh = await open(path, 'w')
  const line = 'Filler sentence number %d keeps the log growing without saying much at all.\n'
  for (let block = 0; block < 40; block++) {
    let s = ''
    for (let i = 0; i < 1000; i++) s += line.replace('%d', String(block * 1000 + i))
    if (block === 39) s += 'The final sentence mentions the platypus conservatory.\n'
    await fh.write(s)
  }
  await fh.close()
  const { store } = await openStore(t, undefined, { maxBatchBytes: 256 * 1024 })
  const r = await store.ingest([path], { collection: 'logs' })
  assert.equal(r.added.length, 1)
  assert.ok(r.chunks > 2000)
  const [hit] = await store.search('platypus conservatory', { collection: 'logs' })
  assert.match(hit?.text ?? '', /platypus conservatory/)
  assert.ok((hit?.start ?? 0) > 3_000_000)
  const report = await store.check()
  assert.ok(report.ok, report.problems.join('\n'))
})
