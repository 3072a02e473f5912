/**
 * Embeddings by default: a node whose registry holds an embedding model (a
 * GGUF that declares its pooling) embeds with it without any environment
 * variable; `mycel memory reindex` gives vectors to chunks ingested before,
 * and the card names the model beside the collection.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'

describe('memory reindex on a node with an embedding model', { timeout: 180_000 }, () => {
  const h: Harness = harness({ after })
  let node: MycelProcess

  before(async () => {
    const home = await h.found('acme', 'alpha')
    const docs = join(await h.tempDir('mycel-reindex-docs-'), 'notes')
    await mkdir(docs)
    await writeFile(join(docs, 'a.md'), 'Ferries leave the harbour at dawn.\n')
    await writeFile(join(docs, 'b.md'), 'The bakery sells rye bread on Mondays.\n')
    // ingested while no node runs: BM25 only, no vectors yet
    await h.ok(home, ['memory', 'ingest', docs, '--collection', 'town'])
    const model = join(await h.tempDir('mycel-reindex-model-'), 'embed.gguf')
    await makeTestModel({ out: model, size: 'tiny', seed: 9, pooling: true })
    await h.ok(home, ['models', 'add', model, '--name', 'tiny-embed'])
    node = await h.start(home, { env: { MYCEL_EMBED_MODEL: '' } })
  })

  it('adds a vector to every chunk, and the card names the model', async () => {
    const before = await h.cli(node.home, ['memory', 'ls', '--json'])
    assert.deepEqual(before.json<Array<{ vectors: number }>>().map(c => c.vectors), [0])
    const res = await h.cli(node.home, ['memory', 'reindex', '--json'], { timeoutMs: 120_000 })
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(res.json<unknown>(), { collections: [{ name: 'town', added: 2, chunks: 2, vectors: 2 }] })
    const ls = await h.cli(node.home, ['memory', 'ls', '--json'])
    assert.deepEqual(ls.json<Array<{ vectors: number }>>().map(c => c.vectors), [2])
    await waitFor(async () => (await node.caps()).some(c => c.self && (c.collections as Array<{ embedModel?: string }>)[0]?.embedModel === 'tiny-embed'), { what: 'the card to name the embedding model', timeoutMs: 30_000 })
    const again = await h.cli(node.home, ['memory', 'reindex', '--json'], { timeoutMs: 60_000 })
    assert.equal(again.json<{ collections: Array<{ added: number }> }>().collections[0]?.added, 0)
  })
})
