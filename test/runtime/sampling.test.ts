import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TOKEN } from '../../scripts/make-test-model.ts'
import { runtimeFixture } from './helpers.ts'

const PROMPT = 'The mesh says:'

/** The byte-level test vocabulary: the tokens that can spell `ch` (a space also has its own token). */
function tokensOf (ch: string): number[] {
  const byte = Buffer.from(ch)[0] as number
  return ch === ' ' ? [TOKEN.firstByte + byte, TOKEN.space] : [TOKEN.firstByte + byte]
}

describe('runtime sampling options on the tiny model', { timeout: 60_000 }, () => {
  const f = runtimeFixture({ tiny: {} })

  it('a large negative logit bias on the greedy token changes greedy output, the same way every time', async () => {
    const plain = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 16 })
    const first = plain.text[0] as string
    const logitBias = Object.fromEntries(tokensOf(first).map(t => [String(t), -100]))
    const a = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 16, logitBias })
    const b = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 16, logitBias })
    assert.notEqual(a.text[0], first, 'the banned token is never chosen')
    assert.equal(a.text, b.text)
    assert.ok(!a.text.includes(first), 'nor later in the text')
    const boosted = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 8, logitBias: { [String(TOKEN.firstByte + 0x5A)]: 100 } })
    assert.equal(boosted.text, 'Z'.repeat(8), 'a +100 bias makes that token the greedy choice')
  })

  it('presence and frequency penalties change greedy output against none, deterministically', async () => {
    const plain = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64 })
    const presence = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64, presencePenalty: 2 })
    const frequency = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64, frequencyPenalty: 2 })
    assert.notEqual(presence.text, plain.text)
    assert.notEqual(frequency.text, plain.text)
    assert.equal((await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64, presencePenalty: 2 })).text, presence.text)
    assert.equal((await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64, frequencyPenalty: 2 })).text, frequency.text)
    const zero = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64, presencePenalty: 0, frequencyPenalty: 0 })
    assert.equal(zero.text, plain.text, 'zero penalties are no penalties')
  })

  it('refuses out-of-range penalties and malformed biases with InvalidRequestError, and keeps serving', async () => {
    const bad: Array<Record<string, unknown>> = [
      { presencePenalty: 2.5 }, { frequencyPenalty: -3 }, { presencePenalty: Number.NaN },
      { logitBias: { 5: 101 } }, { logitBias: { '-1': 1 } }, { logitBias: { abc: 1 } }, { logitBias: { '01': 1 } },
      { logitBias: [1, 2] }, { logitBias: Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [String(i), 1])) },
      { logitBias: { 260: 1 } }
    ]
    for (const opts of bad) {
      await assert.rejects(f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 2, ...opts }), { name: 'InvalidRequestError' }, JSON.stringify(opts).slice(0, 80))
    }
    const ok = await f.rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 2, logitBias: { 259: 0 } })
    assert.equal(ok.usage.completionTokens, 2)
  })
})
