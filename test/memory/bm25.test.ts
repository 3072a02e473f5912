import { test } from 'node:test'
import assert from 'node:assert/strict'
import { tempDir, writeFiles, openStore } from './helpers.ts'
import { bm25Idf, bm25TermScore, rankTexts } from '../../node/memory/index.ts'

// Three one-chunk documents. N = 3, lengths 3, 3, 4, avgdl = 10/3.
// df(cat) = df(dog) = 2: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6) = 0.4700036292
// d1 "cat": tf 1, dl 3 -> 0.4700036 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 0.9)) = 0.4700036 * 2.2 / 2.11 = 0.4900511774
// d2 "cat": tf 2, dl 3 -> 0.4700036 * 4.4 / (2 + 1.11)                                          = 0.6649569031
// d2 "dog": tf 1, dl 3 -> 0.4900511774, so d2 for "cat dog" = 1.1550080805
// d3 "dog": tf 1, dl 4 -> 0.4700036 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1.2)) = 0.4700036 * 2.2 / 2.38 = 0.4344571363
const DOCS = { 'd1.txt': 'cat sat mat', 'd2.txt': 'cat cat dog', 'd3.txt': 'dog ran far away' }

test('idf and term score follow BM25 with k1 = 1.2, b = 0.75', () => {
  assert.ok(Math.abs(bm25Idf(3, 2) - 0.4700036292) < 1e-9)
  assert.ok(Math.abs(bm25TermScore(1, 3, 10 / 3, bm25Idf(3, 2)) - 0.4900511774) < 1e-9)
  assert.ok(Math.abs(bm25TermScore(2, 3, 10 / 3, bm25Idf(3, 2)) - 0.6649569031) < 1e-9)
})

test('store scores match the hand-computed example', async (t) => {
  const dir = await tempDir(t)
  await writeFiles(dir, DOCS)
  const { store } = await openStore(t)
  await store.ingest([dir], { collection: 'pets' })
  const cat = await store.search('cat', { collection: 'pets' })
  assert.deepEqual(cat.map(h => h.source.slice(-6)), ['d2.txt', 'd1.txt'])
  assert.ok(Math.abs((cat[0]?.score ?? 0) - 0.6649569031) < 1e-9)
  assert.ok(Math.abs((cat[1]?.score ?? 0) - 0.4900511774) < 1e-9)
  const both = await store.search('cat dog', { collection: 'pets' })
  assert.deepEqual(both.map(h => h.source.slice(-6)), ['d2.txt', 'd1.txt', 'd3.txt'])
  assert.ok(Math.abs((both[0]?.score ?? 0) - 1.1550080805) < 1e-9)
  assert.ok(Math.abs((both[2]?.score ?? 0) - 0.4344571363) < 1e-9)
})

test('rankTexts gives the same numbers in memory', () => {
  const r = rankTexts(Object.values(DOCS), 'cat dog')
  assert.deepEqual(r.map(x => x.index), [1, 0, 2])
  assert.ok(Math.abs((r[0]?.score ?? 0) - 1.1550080805) < 1e-9)
})
