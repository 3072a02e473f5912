import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { runtime, type Runtime } from '../../node/runtime/index.ts'
import { fallbackChatPrompt } from '../../node/runtime/chat.ts'
import { gatedRegistry, testHome, until, type TestHome } from './helpers.ts'

const PROMPT = 'The mesh says:'
const HOOK_TIMEOUT_MS = 30_000
const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

describe('runtime on the generated tiny model', { timeout: 120_000 }, () => {
  let home: TestHome
  let rt: Runtime
  let tinyPath: string

  before(async () => {
    home = await testHome()
    tinyPath = await home.addModel('tiny')
    await home.addModel('tiny-2', { seed: 2 })
    await home.addModel('bytes', { readableBias: false, seed: 3 })
    await home.addModel('chatml', { chatTemplate: CHATML })
    rt = runtime({ keepAliveMs: 60_000 })({ registry: home.registry })
    await rt.start()
  }, { timeout: HOOK_TIMEOUT_MS })

  // A describe's timeout does not cover its after hooks: each gets its own.
  after(async () => {
    await rt?.stop()
    await home?.cleanup()
  }, { timeout: HOOK_TIMEOUT_MS })

  it('loads the model and generates up to maxTokens', async () => {
    const r = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 24 })
    assert.equal(r.usage.completionTokens, 24)
    assert.equal(r.finishReason, 'length')
    assert.ok(r.usage.promptTokens > 0)
    assert.ok(r.text.length > 0)
    assert.equal(rt.hardware().backend === 'cpu' || rt.hardware().backend === 'cuda' || rt.hardware().backend === 'vulkan' || rt.hardware().backend === 'metal', true)
  })

  it('greedy decoding gives the same bytes every time, streamed or not', async () => {
    const chunks: string[] = []
    const a = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 48, onText: t => chunks.push(t) })
    const b = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 48 })
    assert.equal(a.text, b.text)
    assert.equal(chunks.join(''), a.text)
    const other = await rt.complete({ model: 'tiny-2', prompt: PROMPT, maxTokens: 48 })
    assert.notEqual(other.text, a.text, 'another seed is another model')
  })

  it('a model emitting arbitrary bytes still streams exactly the final text, as well-formed strings', async () => {
    const chunks: string[] = []
    const a = await rt.complete({ model: 'bytes', prompt: PROMPT, maxTokens: 96, onText: t => chunks.push(t) })
    const b = await rt.complete({ model: 'bytes', prompt: PROMPT, maxTokens: 96 })
    assert.equal(a.text, b.text)
    assert.equal(chunks.join(''), a.text)
    assert.ok(a.text.isWellFormed())
  })

  it('seeded sampling repeats with the same seed', async () => {
    const a = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 32, temperature: 0.9, seed: 7 })
    const b = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 32, temperature: 0.9, seed: 7 })
    assert.equal(a.text, b.text)
  })

  it('4 concurrent tasks run together on one context and give the serial output', async () => {
    // The gate lets the four through together, so they share every decode
    // batch in every run: the schedule no longer depends on timing.
    const gate = gatedRegistry(home.registry)
    const rt4 = runtime({ keepAliveMs: 60_000 })({ registry: gate.registry })
    await rt4.start()
    try {
      const serial = await rt4.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 200 })
      const loadsBefore = rt4.loadCount('tiny')
      let peak = 0
      gate.close()
      const tasks = [0, 1, 2, 3].map(async () => await rt4.complete({
        model: 'tiny',
        prompt: PROMPT,
        maxTokens: 200,
        onText: () => { peak = Math.max(peak, rt4.stats().byKey.tiny ?? 0) }
      }))
      await until(() => gate.waiting() === 4)
      gate.open()
      const results = await Promise.all(tasks)
      for (const r of results) assert.equal(r.text, serial.text)
      assert.equal(peak, 4, 'all four held a sequence at the same time')
      assert.equal(rt4.loadCount('tiny'), loadsBefore, 'no second model or context was created')
    } finally {
      await rt4.stop()
    }
  })

  it('chat without a template uses the documented fallback format', async () => {
    const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hello?' }]
    const chat = await rt.chat({ model: 'tiny', messages, maxTokens: 32 })
    const same = await rt.complete({ model: 'tiny', prompt: fallbackChatPrompt(messages), maxTokens: 32 })
    assert.equal(chat.text, same.text)
    assert.equal(chat.usage.promptTokens, same.usage.promptTokens)
    await assert.rejects(rt.chat({ model: 'tiny', messages: [{ role: 'robot' as 'user', content: 'x' }] }), { name: 'InvalidRequestError' })
  })

  it('chat on a model with a chat template is prompted through that template', async () => {
    const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hello?' }]
    const chat = await rt.chat({ model: 'chatml', messages, maxTokens: 16 })
    const rendered = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello?<|im_end|>\n<|im_start|>assistant\n'
    const same = await rt.complete({ model: 'chatml', prompt: rendered, maxTokens: 16 })
    assert.equal(chat.text, same.text)
    assert.equal(chat.usage.promptTokens, same.usage.promptTokens)
  })

  it('embeddings have the model width and are deterministic', async () => {
    const a = await rt.embed({ model: 'tiny', input: ['alpha', 'beta'] })
    const b = await rt.embed({ model: 'tiny', input: ['alpha'] })
    assert.equal(a.embeddings.length, 2)
    assert.equal(a.embeddings[0]?.length, 64)
    assert.deepEqual(b.embeddings[0], a.embeddings[0])
    assert.notDeepEqual(a.embeddings[0], a.embeddings[1])
    assert.ok(a.usage.promptTokens > 0)
    await assert.rejects(rt.embed({ model: 'tiny', input: [] }), { name: 'InvalidRequestError' })
  })

  it('refuses bad requests with typed errors and keeps serving', async () => {
    await assert.rejects(rt.complete({ model: 'nope', prompt: 'x' }), { name: 'UnknownModelError' })
    await assert.rejects(rt.complete({ model: 'tiny', prompt: 'x'.repeat(2000), maxTokens: 4 }), { name: 'PromptTooLongError' })
    await assert.rejects(rt.complete({ model: 'tiny', prompt: 'x', maxTokens: 100_000 }), (err: Error & { limit?: number }) => {
      assert.equal(err.name, 'MaxTokensExceededError')
      assert.equal(err.limit, 511)
      return true
    })
    await assert.rejects(rt.complete({ model: 'tiny', prompt: 'x', maxTokens: 0 }), { name: 'InvalidRequestError' })
    await assert.rejects(rt.embed({ model: 'tiny', input: ['y'.repeat(2000)] }), { name: 'PromptTooLongError' })
    assert.throws(() => { rt.cancel('no-such-task') }, { name: 'UnknownTaskError' })
    const ok = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 4 })
    assert.equal(ok.usage.completionTokens, 4)
  })

  it('ends the generation at the first stop sequence, which no streamed piece reaches past', async () => {
    const full = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 48 })
    const stop = full.text.slice(20, 23)
    const expected = full.text.slice(0, full.text.indexOf(stop))
    const chunks: string[] = []
    const r = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 48, stop: ['never-in-this-text', stop], onText: t => chunks.push(t) })
    assert.equal(r.text, expected)
    assert.equal(chunks.join(''), expected)
    assert.equal(r.finishReason, 'stop')
    assert.equal(r.stopSequence, stop)
    assert.ok(r.usage.completionTokens < 48, `generated ${r.usage.completionTokens} of 48 tokens`)
    const chat = await rt.chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, stop: ['never-in-this-text'] })
    assert.equal(chat.finishReason, 'length')
    assert.equal(chat.stopSequence, undefined)
    await assert.rejects(rt.complete({ model: 'tiny', prompt: PROMPT, stop: [''] }), { name: 'InvalidRequestError' })
    await assert.rejects(rt.complete({ model: 'tiny', prompt: PROMPT, stop: Array.from({ length: 17 }, (_, i) => String(i)) }), { name: 'InvalidRequestError' })
  })

  it('without maxTokens, stops at the end of the context with finishReason length; asking past it is busy', async () => {
    const prompt = 'y'.repeat(500)
    const r = await rt.complete({ model: 'tiny', prompt })
    assert.equal(r.finishReason, 'length')
    assert.ok(r.usage.promptTokens + r.usage.completionTokens <= 512)
    // admission by context: prompt plus maxTokens must fit one sequence's KV cells
    await assert.rejects(rt.complete({ model: 'tiny', prompt, maxTokens: 500 }), { name: 'ContextBudgetError', code: 'busy' })
  })

  it('a GGUF with a valid header that llama.cpp cannot load is a typed error, and the node keeps serving', async () => {
    const path = join(home.dir, 'inconsistent.gguf')
    await makeTestModel({ out: path, seed: 4 })
    const bytes = await readFile(path)
    const key = Buffer.from('llama.block_count')
    bytes.writeUInt32LE(3, bytes.indexOf(key) + key.length + 4) // claims 3 blocks, has tensors for 2
    await writeFile(path, bytes)
    await home.registry.add(path, { name: 'inconsistent' })
    await assert.rejects(rt.complete({ model: 'inconsistent', prompt: 'x', maxTokens: 2 }), { name: 'InvalidModelFileError' })
    const ok = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 2 })
    assert.equal(ok.usage.completionTokens, 2)
  })

  it('refuses a model whose file changed since registration, and serves the others', async () => {
    const copy = await home.addModel('tampered', { seed: 9 })
    const fh = await open(copy, 'r+')
    await fh.write(Buffer.from([0x42]), 0, 1, 200_000)
    await fh.close()
    await assert.rejects(rt.complete({ model: 'tampered', prompt: 'x', maxTokens: 2 }), { name: 'ModelHashMismatchError' })
    await assert.rejects(rt.complete({ model: 'tampered', prompt: 'x', maxTokens: 2 }), { name: 'ModelHashMismatchError' })
    const ok = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 2 })
    assert.equal(ok.usage.completionTokens, 2)
    assert.ok(tinyPath.length > 0)
  })
})

describe('runtime scheduling on the tiny model', { timeout: 120_000 }, () => {
  let home: TestHome
  const runtimes: Runtime[] = []

  before(async () => {
    home = await testHome()
    await home.addModel('tiny')
  }, { timeout: HOOK_TIMEOUT_MS })

  after(async () => {
    for (const r of runtimes) await r.stop()
    await home?.cleanup()
  }, { timeout: HOOK_TIMEOUT_MS })

  async function make (init: Parameters<typeof runtime>[0]): Promise<Runtime> {
    const r = runtime(init)({ registry: home.registry })
    runtimes.push(r)
    await r.start()
    return r
  }

  it('two separate runtimes give byte-identical greedy output', async () => {
    const a = await make({})
    const b = await make({})
    const ra = await a.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64 })
    const rb = await b.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 64 })
    assert.equal(ra.text, rb.text)
    await a.stop(); await b.stop()
  })

  it('beyond the queue bound a task is rejected busy with a retry-after, never dropped', async () => {
    const rt = await make({ sequences: 1, maxQueuedTasks: 1 })
    const running = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 480 })
    const queued = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 8, priority: 'background' })
    await until(() => rt.stats().running === 1 && rt.stats().queued === 1)
    await assert.rejects(rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 8 }), (err: Error & { retryAfterMs?: number }) => {
      assert.equal(err.name, 'RuntimeBusyError')
      assert.ok((err.retryAfterMs ?? 0) > 0)
      return true
    })
    assert.equal((await running).usage.completionTokens, 480)
    assert.equal((await queued).usage.completionTokens, 8, 'the queued task still ran')
  })

  it('cancel frees the sequence at once for the next task', async () => {
    const rt = await make({ sequences: 1 })
    const ac = new AbortController()
    const events: string[] = []
    const long = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 480, signal: ac.signal })
      .then(() => { events.push('long:done') }, (err: Error) => { events.push(`long:${err.name}`) })
    await until(() => rt.stats().running === 1)
    const next = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 8, onText: () => { if (!events.includes('next:text')) events.push('next:text') } })
    await until(() => rt.stats().queued === 1)
    ac.abort()
    const r = await next
    await long
    assert.equal(r.usage.completionTokens, 8)
    assert.deepEqual(events, ['long:TaskCanceledError', 'next:text'])
    assert.equal(rt.stats().running, 0)
  })

  it('cancel by task id, and a task id can be reused after', async () => {
    const rt = await make({ sequences: 1 })
    const p = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 480, taskId: 't1', onText: () => { try { rt.cancel('t1') } catch {} } })
    await assert.rejects(p, { name: 'TaskCanceledError' })
    assert.throws(() => { rt.cancel('t1') }, { name: 'UnknownTaskError' })
    const again = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 2, taskId: 't1' })
    assert.equal(again.usage.completionTokens, 2)
  })

  it('a task past its timeout fails with TaskTimeoutError', async () => {
    const rt = await make({ sequences: 1 })
    const long = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 480 })
    await assert.rejects(rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 4, timeoutMs: 1 }), { name: 'TaskTimeoutError' })
    await long
  })

  it('an idle model is unloaded after the keep-alive and loaded again by the next task', async () => {
    const rt = await make({ keepAliveMs: 50 })
    const a = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 16 })
    assert.equal(rt.loadCount('tiny'), 1)
    await until(() => rt.stats().loadedModels.length === 0)
    const b = await rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 16 })
    assert.equal(rt.loadCount('tiny'), 2)
    assert.equal(b.text, a.text)
  })

  it('stop fails running and queued tasks with a typed error', async () => {
    const rt = await make({ sequences: 1 })
    const running = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 480 })
    const queued = rt.complete({ model: 'tiny', prompt: PROMPT, maxTokens: 480 })
    const failedRunning = assert.rejects(running, { name: 'RuntimeStoppedError' })
    const failedQueued = assert.rejects(queued, { name: 'RuntimeStoppedError' })
    await until(() => rt.stats().running === 1)
    await rt.stop()
    await failedRunning
    await failedQueued
    await assert.rejects(rt.complete({ model: 'tiny', prompt: 'x' }), { name: 'RuntimeStoppedError' })
  })
})
