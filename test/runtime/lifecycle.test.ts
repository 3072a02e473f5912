import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

/** V8's collector, without starting the test process with --expose-gc. */
function collectGarbage (): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
}

/** A GGUF whose header passes our checks but that llama.cpp refuses to load (it claims 3 blocks, has tensors for 2). */
async function inconsistentModel (home: TestHome): Promise<string> {
  const path = join(home.dir, 'inconsistent.gguf')
  await makeTestModel({ out: path, seed: 4 })
  const bytes = await readFile(path)
  const key = Buffer.from('llama.block_count')
  bytes.writeUInt32LE(3, bytes.indexOf(key) + key.length + 4)
  await writeFile(path, bytes)
  return path
}

describe('runtime lifecycle', { timeout: 60_000 }, () => {
  let home: TestHome

  before(async () => {
    home = await testHome()
    await home.addModel('tiny')
    await home.registry.add(await inconsistentModel(home), { name: 'inconsistent' })
  }, { timeout: 30_000 })

  after(async () => { await home?.cleanup() }, { timeout: 30_000 })

  // node-llama-cpp 3.21.1 does not dispose a model whose native load failed;
  // the half-made model keeps a hold on the Llama that only its own dispose
  // releases, so once it is garbage-collected `llama.dispose()` never
  // resolves, with nothing left on the event loop (the runtime suite's
  // 7-minute hang in a full `npm test`).
  it('stop resolves after a model llama.cpp could not load was garbage-collected', { timeout: 20_000 }, async () => {
    const rt = runtime({})({ registry: home.registry })
    await rt.start()
    await assert.rejects(rt.complete({ model: 'inconsistent', prompt: 'x', maxTokens: 2 }), { name: 'InvalidModelFileError' })
    const ok = await rt.complete({ model: 'tiny', prompt: 'x', maxTokens: 2 })
    assert.equal(ok.usage.completionTokens, 2)
    collectGarbage()
    await rt.stop()
    await assert.rejects(rt.complete({ model: 'tiny', prompt: 'x' }), { name: 'RuntimeStoppedError' })
  })
})
