import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ModelRegistry } from '../../node/runtime/registry.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { testHome, type TestHome } from './helpers.ts'

describe('runtime/registry', { timeout: 120_000 }, () => {
  let home: TestHome
  let tiny: string

  before(async () => {
    home = await testHome()
    tiny = join(home.dir, 'tiny.gguf')
    await makeTestModel({ out: tiny })
  }, { timeout: 30_000 })

  after(async () => { await home?.cleanup() }, { timeout: 30_000 })

  it('registers a GGUF with its hash and header metadata', async () => {
    const progress: number[] = []
    const m = await home.registry.add(tiny, { onProgress: done => progress.push(done) })
    assert.equal(m.name, 'tiny')
    assert.match(m.sha256, /^[0-9a-f]{64}$/)
    assert.equal(m.architecture, 'llama')
    assert.equal(m.contextLength, 512)
    assert.equal(m.embeddingLength, 64)
    assert.equal(m.quantisation, 'F32')
    assert.ok(m.parameterCount > 100_000)
    assert.equal(m.hasChatTemplate, false)
    assert.equal(progress.at(-1), m.sizeBytes)
    assert.deepEqual((await home.registry.list()).map(x => x.name), ['tiny'])
    assert.equal((await home.registry.resolve('tiny')).sha256, m.sha256)
  })

  it('the same generator seed gives the same file, byte for byte', async () => {
    const again = join(home.dir, 'again.gguf')
    await makeTestModel({ out: again })
    assert.ok((await readFile(again)).equals(await readFile(tiny)))
  })

  it('re-adding the same file is a no-op; another file under a taken name is refused', async () => {
    await home.registry.add(tiny)
    const other = join(home.dir, 'other.gguf')
    await makeTestModel({ out: other, seed: 5 })
    await assert.rejects(home.registry.add(other, { name: 'tiny' }), { name: 'ModelExistsError' })
    await assert.rejects(home.registry.add(tiny, { name: '../evil' }), { name: 'InvalidModelFileError' })
    assert.equal((await home.registry.list()).length, 1)
  })

  it('refuses truncated, corrupt and missing files with InvalidModelFileError', async () => {
    const bytes = await readFile(tiny)
    const cases: Record<string, Buffer> = {
      truncatedData: bytes.subarray(0, bytes.length - 1000),
      truncatedHeader: bytes.subarray(0, 200),
      notGguf: Buffer.from('this is not a model at all'),
      empty: Buffer.alloc(0)
    }
    for (const [name, content] of Object.entries(cases)) {
      const p = join(home.dir, `${name}.gguf`)
      await writeFile(p, content)
      await assert.rejects(home.registry.add(p), { name: 'InvalidModelFileError' }, name)
    }
    await assert.rejects(home.registry.add(join(home.dir, 'missing.gguf')), { name: 'InvalidModelFileError' })
    assert.equal((await home.registry.list()).length, 1)
  })

  it('verify refuses a file that changed after registration', async () => {
    const copy = join(home.dir, 'copy.gguf')
    await copyFile(tiny, copy)
    const m = await home.registry.add(copy, { name: 'copy' })
    await home.registry.verify(m)
    const bytes = await readFile(copy)
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff
    await writeFile(copy, bytes)
    await assert.rejects(home.registry.verify(m), { name: 'ModelHashMismatchError' })
    await home.registry.remove('copy')
  })

  it('sees changes made by another process (the CLI) without a restart', async () => {
    const cli = new ModelRegistry({ dir: home.modelsDir })
    const other = join(home.dir, 'second.gguf')
    await makeTestModel({ out: other, seed: 6 })
    await cli.add(other, { name: 'second' })
    assert.deepEqual((await home.registry.list()).map(m => m.name).sort(), ['second', 'tiny'])
    await cli.remove('second')
    await assert.rejects(home.registry.resolve('second'), { name: 'UnknownModelError' })
    await assert.rejects(home.registry.remove('second'), { name: 'UnknownModelError' })
  })

  it('a corrupt registry file is reported, not silently emptied', async () => {
    const dir = join(home.dir, 'broken-models')
    const r = new ModelRegistry({ dir })
    await r.add(tiny)
    await writeFile(join(dir, 'registry.json'), '{"version":1,"models":[{"name":5}]}')
    await assert.rejects(r.list(), /corrupt/)
  })

  it('pull refuses a malformed URI before touching the network', async () => {
    await assert.rejects(home.registry.pull('not a uri'), { name: 'InvalidModelUriError' })
    await assert.rejects(home.registry.pull('http://example.com/model.gguf'), { name: 'InvalidModelUriError' })
  })
})
