/**
 * CPU threads per model context: `mycel start --threads N` or
 * `MYCEL_THREADS` set them (the runtime defaults to 1 on machines with 2
 * cores or fewer, where llama.cpp's spinning threads meet other work), the
 * hardware report says what contexts run on, and the output does not depend
 * on it under greedy decoding.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { availableParallelism } from 'node:os'
import { threadsOption } from '../../node/cli/parse.ts'
import { defaultThreads, runtime, type Runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

describe('runtime threads', { timeout: 180_000 }, () => {
  let home: TestHome
  const runtimes: Runtime[] = []

  before(async () => {
    home = await testHome()
    await home.addModel('tiny')
  }, { timeout: 120_000 })

  after(async () => {
    for (const rt of runtimes) await rt.stop()
    await home?.cleanup()
  }, { timeout: 60_000 })

  it('takes --threads over MYCEL_THREADS, and refuses a count that is not one, naming where it came from', () => {
    assert.equal(threadsOption('3', { MYCEL_THREADS: '2' }), 3)
    assert.equal(threadsOption(undefined, { MYCEL_THREADS: '2' }), 2)
    assert.equal(threadsOption(undefined, {}), undefined)
    assert.equal(threadsOption(undefined, { MYCEL_THREADS: '' }), undefined)
    assert.throws(() => threadsOption('0', {}), { name: 'UsageError', message: '--threads must be at least 1' })
    assert.throws(() => threadsOption('many', {}), { name: 'UsageError', message: /^--threads must be a whole number/ })
    assert.throws(() => threadsOption(undefined, { MYCEL_THREADS: '5000' }), { name: 'UsageError', message: 'MYCEL_THREADS must be at most 1024' })
  })

  it('runs contexts on the threads asked for, with the same greedy output as the default', async () => {
    const texts: string[] = []
    for (const threads of [undefined, 2]) {
      const rt = runtime({ keepAliveMs: 60_000, ...(threads != null ? { threads } : {}) })({ registry: home.registry })
      runtimes.push(rt)
      await rt.start()
      const r = await rt.complete({ model: 'tiny', prompt: 'The mesh is', maxTokens: 16, temperature: 0 })
      texts.push(r.text)
      const expected = threads ?? defaultThreads()
      if (expected != null) assert.equal(rt.hardware().cpuThreads, expected)
      else assert.ok((rt.hardware().cpuThreads ?? 0) >= 1, 'llama.cpp picked a count')
      await rt.stop()
    }
    assert.equal(texts[0], texts[1])
    if (availableParallelism() <= 2) assert.equal(defaultThreads(), 1)
  })
})
