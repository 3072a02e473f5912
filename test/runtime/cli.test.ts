import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { main } from '../../node/cli/main.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { captureOutput, testHome, type TestHome } from './helpers.ts'

describe('mycel models / inspect gpu', { timeout: 120_000 }, () => {
  let home: TestHome
  let tiny: string

  before(async () => {
    home = await testHome()
    tiny = join(home.dir, 'tiny.gguf')
    await makeTestModel({ out: tiny })
  }, { timeout: 30_000 })

  after(async () => { await home?.cleanup() }, { timeout: 30_000 })

  const run = async (...argv: string[]): Promise<{ code: number, out: ReturnType<typeof captureOutput> }> => {
    const out = captureOutput()
    const code = await main(['--home', home.dir, ...argv], { out, env: {} })
    return { code, out }
  }

  it('adds a model with a progress bar and lists it', async () => {
    const add = await run('models', 'add', tiny, '--name', 'tiny')
    assert.equal(add.code, 0, add.out.stderr.join('\n'))
    assert.match(add.out.stdout.join('\n'), /added tiny/)
    assert.ok(add.out.progressCalls.length > 0 && add.out.progressCalls.every(([label]) => label === 'hashing'))
    const list = await run('models', 'list', '--json')
    assert.equal(list.code, 0)
    const [models] = list.out.jsonValues as [Array<Record<string, unknown>>]
    assert.equal(models.length, 1)
    assert.deepEqual(Object.keys(models[0] ?? {}).filter(k => ['name', 'sha256', 'path', 'architecture', 'contextLength', 'sizeBytes'].includes(k)).length, 6)
    assert.equal(models[0]?.name, 'tiny')
    assert.equal(models[0]?.path, tiny)
    const human = await run('models', 'list')
    assert.match(human.out.stdout.join('\n'), /tiny\s+llama\s+F32\s+512/)
  })

  it('removes a model, and says so clearly when it does not exist', async () => {
    assert.equal((await run('models', 'rm', 'tiny')).code, 0)
    const again = await run('models', 'rm', 'tiny')
    assert.equal(again.code, 1)
    assert.deepEqual(again.out.stderr, ['mycel: Unknown model "tiny" (see `mycel models list`)'])
    const list = await run('models', 'list')
    assert.match(list.out.stdout.join('\n'), /No models registered/)
  })

  it('refuses a corrupt file and a bad pull URI with one line and exit code 1', async () => {
    const bad = await run('models', 'add', join(home.dir, 'nothing.gguf'))
    assert.equal(bad.code, 1)
    assert.equal(bad.out.stderr.length, 1)
    assert.match(bad.out.stderr[0] ?? '', /Not a usable GGUF model/)
    const pull = await run('models', 'pull', 'ftp://example.com/x.gguf')
    assert.equal(pull.code, 1)
    assert.match(pull.out.stderr[0] ?? '', /Invalid model URI/)
    assert.equal((await run('models', 'add')).code, 2)
  })

  it('inspect gpu reports the backend in use', async () => {
    const r = await run('inspect', 'gpu', '--json')
    assert.equal(r.code, 0, r.out.stderr.join('\n'))
    const [hw] = r.out.jsonValues as [{ backend: string, cpuCores: number, ramBytes: number, warnings: string[] }]
    assert.ok(['cuda', 'vulkan', 'metal', 'cpu'].includes(hw.backend))
    assert.ok(hw.cpuCores > 0 && hw.ramBytes > 0)
    assert.ok(Array.isArray(hw.warnings))
    const human = await run('inspect', 'gpu')
    assert.match(human.out.stdout.join('\n'), /^backend\s+(cuda|vulkan|metal|cpu)/)
  })
})
