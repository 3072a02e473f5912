/**
 * The Ollama API subset against a real two-node mesh, driven by the
 * official `ollama` client (the node's token in its headers): beta has no
 * model, so generations and embeddings route over the mesh to alpha and
 * agree with the OpenAI API's. Bad requests get Ollama's `{ error }` with
 * the right status, and the node keeps serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'

describe('Ollama API subset over a two-node mesh', () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let ollama: Ollama
  let openai: OpenAI

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    ollama = new Ollama({ host: beta.api.url, headers: { Authorization: `Bearer ${beta.api.token}` } })
    openai = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: beta.api.token, maxRetries: 0 })
  })

  const messages = [{ role: 'user', content: 'Hello mesh' }]
  const options = { temperature: 0, num_predict: 12 }

  it('reports a version and lists the models members offer', async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/)
    const { models } = await ollama.list()
    assert.deepEqual(models.map(m => m.name), [MODEL])
    assert.equal(models[0]?.details.format, 'gguf')
    assert.match(models[0]?.digest ?? '', /^[0-9a-f]{64}$/)
    assert.ok(Array.isArray((await ollama.ps()).models))
  })

  it('chats, run by alpha, with the OpenAI API\'s text, streamed or not', async () => {
    const whole = await ollama.chat({ model: MODEL, messages, stream: false, options })
    assert.equal(whole.done, true)
    assert.equal(whole.message.role, 'assistant')
    assert.ok(whole.message.content.length > 0)
    assert.ok(whole.eval_count > 0 && whole.prompt_eval_count > 0)
    const same = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello mesh' }], max_tokens: 12, temperature: 0 })
    assert.equal(whole.message.content, same.choices[0]?.message.content)
    const tasks = await beta.get<Array<{ executor: string, role: string }>>('/api/tasks')
    assert.equal(tasks.find(t => t.role === 'delegator')?.executor, alpha.peerId)

    let text = ''
    let parts = 0
    let last
    for await (const part of await ollama.chat({ model: `${MODEL}:latest`, messages, stream: true, options })) {
      text += part.message.content
      parts++
      last = part
    }
    assert.ok(parts > 2, `expected several lines, got ${parts}`)
    assert.equal(text, whole.message.content)
    assert.equal(last?.done, true)
    assert.equal(last?.eval_count, whole.eval_count)
  })

  it('generates with the chat template, raw, and up to a stop sequence', async () => {
    const whole = await ollama.generate({ model: MODEL, prompt: 'Hello mesh', stream: false, options })
    assert.equal(whole.done, true)
    assert.ok((whole.response ?? '').length > 0)
    let text = ''
    for await (const part of await ollama.generate({ model: MODEL, prompt: 'Hello mesh', stream: true, options })) text += part.response
    assert.equal(text, whole.response)
    const raw = await ollama.generate({ model: MODEL, prompt: 'Once upon a time', raw: true, stream: false, options })
    const completion = await openai.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 })
    assert.equal(raw.response, completion.choices[0]?.text)
    const long = (await ollama.generate({ model: MODEL, prompt: 'Hello mesh', stream: false, options: { temperature: 0, num_predict: 24 } })).response ?? ''
    assert.ok(long.length >= 4)
    const stop = long.slice(Math.floor(long.length / 2), Math.floor(long.length / 2) + 2)
    const cut = await ollama.generate({ model: MODEL, prompt: 'Hello mesh', stream: false, options: { temperature: 0, num_predict: 24, stop: [stop] } })
    assert.equal(cut.response, long.slice(0, long.indexOf(stop)))
    assert.equal(cut.done_reason, 'stop')
  })

  it('embeds, with the OpenAI API\'s vectors', async () => {
    const res = await ollama.embed({ model: MODEL, input: ['first text', 'second text'] })
    assert.equal(res.embeddings.length, 2)
    const same = await openai.embeddings.create({ model: MODEL, input: ['first text', 'second text'], encoding_format: 'float' })
    assert.deepEqual(res.embeddings[0]?.slice(0, 8).map(v => Math.fround(v)), same.data[0]?.embedding.slice(0, 8).map(v => Math.fround(v)))
  })

  it('answers bad requests with Ollama\'s error and status, and keeps serving', async () => {
    const refused = async (call: Promise<unknown>, status: number, message?: RegExp): Promise<void> => {
      const err = await call.then(() => undefined, (e: unknown) => e) as { status_code?: number, error?: string, name?: string } | undefined
      assert.equal(err?.name, 'ResponseError', String(err))
      assert.equal(err?.status_code, status)
      if (message != null) assert.match(err?.error ?? '', message)
    }
    await refused(ollama.chat({ model: 'no-such-model', messages, stream: false }), 404)
    await refused(ollama.chat({ model: MODEL, messages: [], stream: false }), 400, /messages/)
    await refused(ollama.chat({ model: MODEL, messages, stream: false, options: { repeat_penalty: 1.3 } }), 400, /repeat penalty/)
    await refused(ollama.generate({ model: MODEL, prompt: 'x', format: 'json', stream: false }), 400, /format/)
    await refused(new Ollama({ host: beta.api.url }).list(), 401, /token/)
    const res = await fetch(`${beta.api.url}/api/tags`)
    assert.deepEqual(Object.keys(await res.json() as object), ['error'])
    const ok = await ollama.chat({ model: MODEL, messages, stream: false, options })
    assert.ok(ok.message.content.length > 0)
  })
})
