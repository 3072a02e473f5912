/**
 * A generation canceled in the middle (as a stop sequence or a client that
 * hangs up does) must leave the model's context fit for the next task: the
 * next greedy run on the same model gives the same text as before the cancel.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runtimeFixture } from './helpers.ts'

const PROMPT = 'The mesh says:'
const ROUNDS = 12

describe('runtime after a mid-generation cancel', { timeout: 120_000 }, () => {
  const f = runtimeFixture({ tiny: {} }, { sequences: 2 })

  it('the next task on the same model runs and gives the same greedy text', async () => {
    const expected = (await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 32 })).text
    for (let i = 0; i < ROUNDS; i++) {
      const ac = new AbortController()
      await assert.rejects(f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 400, signal: ac.signal, onText: () => { ac.abort() } }), { name: 'TaskCanceledError' })
      const next = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 32 })
      assert.equal(next.text, expected, `round ${i}`)
    }
  })
})
