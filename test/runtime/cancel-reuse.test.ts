/**
 * A generation canceled in the middle (as a stop sequence or a client that
 * hangs up does) must leave the model's context fit for the next task: the
 * next greedy run on the same model gives the same text as before the cancel.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runtime, type Runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

const PROMPT = 'The mesh says:'
const ROUNDS = 12

describe('runtime after a mid-generation cancel', { timeout: 120_000 }, () => {
  let home: TestHome
  let rt: Runtime

  before(async () => {
    home = await testHome()
    await home.addModel('tiny')
    rt = runtime({ keepAliveMs: 60_000, sequences: 2 })({ registry: home.registry })
    await rt.start()
  }, { timeout: 30_000 })

  after(async () => {
    await rt?.stop()
    await home?.cleanup()
  }, { timeout: 30_000 })

  it('the next task on the same model runs and gives the same greedy text', async () => {
    const expected = (await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 32 })).text
    for (let i = 0; i < ROUNDS; i++) {
      const ac = new AbortController()
      await assert.rejects(rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 400, signal: ac.signal, onText: () => { ac.abort() } }), { name: 'TaskCanceledError' })
      const next = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 32 })
      assert.equal(next.text, expected, `round ${i}`)
    }
  })
})
