/**
 * llama.cpp's binding loads only when a model is first needed (issue 16):
 * a separate Node process imports the node's modules and starts a lazy
 * runtime with no model, and node-llama-cpp is never resolved; in this
 * process a lazy runtime on the generated tiny model knows no hardware until
 * its first task, which loads the engine and gives the same greedy text as
 * a runtime that loaded it at start.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { runtime, RuntimeStoppedError, type Runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

const run = promisify(execFile)

// registerHooks sees every resolution, type stripping included; a type-only import never resolves
const CHILD = `
import { registerHooks } from 'node:module'
const hits = []
registerHooks({ resolve (spec, ctx, next) { if (spec === 'node-llama-cpp') hits.push(ctx.parentURL); return next(spec, ctx) } })
await import('./node/mycel-node.ts')
await import('./node/assembly/assemble.ts')
await import('./node/openai/requests.ts')
const { Runtime, ModelRegistry } = await import('./node/runtime/index.ts')
const { mkdtemp } = await import('node:fs/promises')
const dir = await mkdtemp((await import('node:os')).tmpdir() + '/mycel-lazy-')
const rt = new Runtime({ registry: new ModelRegistry({ dir }) }, { lazyEngine: true })
await rt.start()
await rt.stop()
console.log(JSON.stringify(hits))
`

describe('llama.cpp loads on first need', { timeout: 180_000 }, () => {
  let home: TestHome
  let lazy: Runtime
  let eager: Runtime

  before(async () => {
    home = await testHome()
    await home.addModel('tiny')
    lazy = runtime({ lazyEngine: true })({ registry: home.registry })
    eager = runtime()({ registry: home.registry })
  })

  after(async () => {
    await lazy?.stop()
    await eager?.stop()
    await home?.cleanup()
  })

  it('a node\'s modules and a started runtime without a model never import node-llama-cpp', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: process.cwd(), timeout: 120_000 })
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop() ?? 'null'), [])
  })

  it('a lazy runtime loads the engine with its first task and answers as an eager one does', async () => {
    await lazy.start()
    assert.throws(() => lazy.hardware(), RuntimeStoppedError, 'no hardware is known before the engine loads')
    await eager.start()
    const req = { model: 'tiny', prompt: 'The mesh says:', maxTokens: 16, temperature: 0 }
    const first = await lazy.complete(req)
    assert.equal(first.usage.completionTokens, 16)
    assert.equal(first.text, (await eager.complete(req)).text)
    assert.equal(lazy.hardware().backend, eager.hardware().backend)
  })
})
