import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_MODEL_SHAPES, testModelLayout } from '../../scripts/make-test-model.ts'
import { readModelFileInfo } from '../../node/runtime/gguf-info.ts'
import { runtime, type Runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

describe('generated test models', { timeout: 60_000 }, () => {
  let home: TestHome
  let rt: Runtime | undefined

  before(async () => { home = await testHome() })
  after(async () => {
    await rt?.stop()
    await home?.cleanup()
  }, { timeout: 30_000 })

  it('the large shape is a ~1 GB Q8_0 llama file that the registry reads as such, without writing its weights', async () => {
    const layout = testModelLayout({ size: 'large' })
    assert.ok(layout.totalBytes > 0.9e9 && layout.totalBytes < 1.2e9, `about 1 GB, not ${layout.totalBytes}`)
    // The real header, then a sparse file of the full length: the reader checks the size, not the data.
    const path = join(home.dir, 'large-header-only.gguf')
    const fh = await open(path, 'w')
    try {
      await fh.write(layout.header, 0, layout.header.length, 0)
      await fh.truncate(layout.totalBytes)
    } finally { await fh.close() }
    const info = await readModelFileInfo(path)
    const s = TEST_MODEL_SHAPES.large
    assert.equal(info.architecture, 'llama')
    assert.equal(info.quantisation, 'Q8_0')
    assert.equal(info.embeddingLength, s.embedding)
    assert.equal(info.contextLength, s.context)
    assert.equal(info.sizeBytes, layout.totalBytes)
    assert.ok(info.parameterCount > 0.9e9, `about a billion parameters, not ${info.parameterCount}`)
  })

  it('a Q8_0 model written block by block loads in llama.cpp and decodes greedily, the same text every time', async () => {
    await home.addModel('tiny-q8', { weights: 'q8_0' })
    rt = runtime({ keepAliveMs: 60_000 })({ registry: home.registry })
    await rt.start()
    const a = await rt.complete({ model: 'tiny-q8', prompt: 'Mycel', maxTokens: 16 })
    const b = await rt.complete({ model: 'tiny-q8', prompt: 'Mycel', maxTokens: 16 })
    assert.equal(a.usage.completionTokens, 16)
    assert.equal(a.text, b.text)
    assert.ok(a.text.length > 0)
  })
})
