/**
 * Context as a resource, on the generated model: a chat's next turn
 * evaluates only its new tokens while the previous turn's sequence is
 * resident, and gives the same greedy text as the same turn on a cold
 * model; tasks that share a system prompt evaluate it once; a session's
 * next turn still finds its state after another session's turn; a task that
 * failed leaves no state behind for the next one to reuse.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runtime, type Runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

const HOOK_TIMEOUT_MS = 30_000
const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
const SYSTEM = 'You are the mesh. ' + 'Answer plainly, cite your sources and keep to the facts. '.repeat(2)

type Msg = { role: 'system' | 'user' | 'assistant', content: string }

describe('resident sequences reuse what the model already evaluated', { timeout: 180_000 }, () => {
  let home: TestHome
  let rt: Runtime

  before(async () => {
    home = await testHome()
    await home.addModel('chatml', { chatTemplate: CHATML, seed: 11 })
    rt = runtime({ keepAliveMs: 60_000, sequences: 2 })({ registry: home.registry })
    await rt.start()
  }, { timeout: HOOK_TIMEOUT_MS })

  after(async () => {
    await rt?.stop()
    await home?.cleanup()
  }, { timeout: HOOK_TIMEOUT_MS })

  const turn = async (messages: Msg[], sessionKey?: string): Promise<{ text: string, promptTokens: number, reused: number }> => {
    const before = rt.stats().promptTokens.reused
    const r = await rt.chat({ model: 'chatml', messages, maxTokens: 24, ...(sessionKey != null ? { sessionKey } : {}) })
    return { text: r.text, promptTokens: r.usage.promptTokens, reused: rt.stats().promptTokens.reused - before }
  }

  it('a second turn evaluates only its new tokens, and says what a cold model says', async () => {
    const first: Msg[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'What did the planning meeting decide?' }]
    // cold: the second turn's whole prompt on a freshly loaded model
    const a = await turn(first)
    const second: Msg[] = [...first, { role: 'assistant', content: a.text }, { role: 'user', content: 'And who owns the follow-up?' }]
    await rt.unload('chatml')
    const cold = await turn(second)
    assert.equal(cold.reused, 0, 'a freshly loaded model has nothing to reuse')

    await rt.unload('chatml')
    const warmFirst = await turn(first)
    assert.equal(warmFirst.text, a.text)
    const warm = await turn(second)
    assert.equal(warm.text, cold.text, 'reusing the resident state changes nothing in the greedy output')
    assert.equal(warm.promptTokens, cold.promptTokens)
    // everything up to the first turn's answer was resident: at least its prompt
    assert.ok(warm.reused >= warmFirst.promptTokens, `reused ${warm.reused} of ${warm.promptTokens}, first turn was ${warmFirst.promptTokens}`)
    assert.ok(warm.reused < warm.promptTokens)
  })

  it('tasks sharing a system prompt evaluate it once', async () => {
    await rt.unload('chatml')
    const one = await turn([{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Summarise the quarter.' }])
    assert.equal(one.reused, 0)
    const two = await turn([{ role: 'system', content: SYSTEM }, { role: 'user', content: 'List the open incidents.' }])
    assert.ok(two.reused > 50, `the shared system prompt was reused (${two.reused} tokens)`)
    assert.ok(two.reused < two.promptTokens)
  })

  it("a session's next turn reuses its whole previous turn after another session's turn in between", async () => {
    const firstA: Msg[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'What did the planning meeting decide?' }]
    const firstB: Msg[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'List the open incidents.' }]
    const play = async (a?: string, b?: string): Promise<{ first: number, second: { text: string, reused: number, promptTokens: number } }> => {
      await rt.unload('chatml')
      const one = await turn(firstA, a)
      await turn(firstB, b)
      const second = await turn([...firstA, { role: 'assistant', content: one.text }, { role: 'user', content: 'And who owns the follow-up?' }], a)
      return { first: one.promptTokens, second }
    }
    // without sessions, B's turn takes A's sequence for the system prompt they share, and cuts A's turn
    const anonymous = await play()
    assert.ok(anonymous.second.reused < anonymous.first, `reused ${anonymous.second.reused}, A's first prompt was ${anonymous.first}`)
    // with sessions, B's turn spares A's sequence: A's next turn evaluates only its new tokens
    const keyed = await play('peer/a', 'peer/b')
    assert.ok(keyed.second.reused >= keyed.first, `reused ${keyed.second.reused}, A's first prompt was ${keyed.first}`)
    assert.equal(keyed.second.text, anonymous.second.text, 'which sequence served the turn changes nothing in the greedy output')
    await assert.rejects(rt.chat({ model: 'chatml', messages: firstA, maxTokens: 2, sessionKey: 'x'.repeat(257) }), { name: 'InvalidRequestError' })
  })

  it('the same prompt twice reuses all but its last token and repeats its text', async () => {
    const msgs: Msg[] = [{ role: 'user', content: 'Repeat after me: the mesh holds.' }]
    const x = await turn(msgs)
    const y = await turn(msgs)
    assert.equal(y.text, x.text)
    assert.equal(y.reused, y.promptTokens - 1)
  })

  it('a canceled task leaves no state for the next to reuse', async () => {
    await rt.unload('chatml')
    const msgs: Msg[] = [{ role: 'user', content: 'Write a long report on the mesh.' }]
    const controller = new AbortController()
    await assert.rejects(rt.chat({ model: 'chatml', messages: msgs, maxTokens: 200, signal: controller.signal, onText: () => { controller.abort() } }))
    const after = await turn(msgs)
    assert.equal(after.reused, 0, 'the canceled sequence was disposed, not kept')
  })
})
