/**
 * The OpenAI-compatible API against a real two-node mesh, driven by the
 * official `openai` client: beta has no model, so every request routes over
 * the mesh to alpha. Bad requests get the right status and an OpenAI error
 * body, and the server keeps serving after each.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import OpenAI from 'openai'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { TOKEN } from '../../scripts/make-test-model.ts'
import { modelMesh, MODEL } from './mesh.ts'

describe('OpenAI-compatible API over a two-node mesh', () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let client: OpenAI

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    client = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: beta.api.token, maxRetries: 0, timeout: 60_000 })
  })

  /** Tasks beta delegated, newest first. */
  async function delegated (): Promise<Array<{ kind: string, executor: string, state: string, role: string }>> {
    return (await beta.get<Array<{ kind: string, executor: string, state: string, role: string }>>('/api/tasks')).filter(t => t.role === 'delegator')
  }

  it('lists the models members offer', async () => {
    const models = []
    for await (const m of client.models.list()) models.push(m)
    assert.deepEqual(models.map(m => m.id), [MODEL])
    assert.equal(models[0]?.object, 'model')
    const one = await client.models.retrieve(MODEL)
    assert.equal(one.id, MODEL)
  })

  it('X-Mycel-Class: local-only work never leaves the node; a bad class is a 400 naming the header', async () => {
    const messages = [{ role: 'user' as const, content: 'stay here' }]
    const ranOnAlpha = async (): Promise<number> => (await alpha.get<Array<{ role: string }>>('/api/tasks')).filter(t => t.role !== 'delegator').length
    const before = await ranOnAlpha()
    // beta has no model of its own, and local-only work may not go to alpha
    const refused = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 4 }, { headers: { 'X-Mycel-Class': 'local-only' } }).catch((err: unknown) => err)
    assert.ok(refused instanceof OpenAI.APIError, 'refused')
    const last = (await delegated())[0] as { state: string, executor?: string } | undefined
    assert.notEqual(last?.executor, alpha.peerId, 'not routed to alpha')
    assert.equal(await ranOnAlpha(), before, 'alpha ran nothing for it')
    // alpha serves the model itself, so local-only work runs there
    const local = new OpenAI({ baseURL: `${alpha.api.url}/v1`, apiKey: alpha.api.token, maxRetries: 0 })
    const ok = await local.chat.completions.create({ model: MODEL, messages, max_tokens: 4 }, { headers: { 'X-Mycel-Class': 'local-only' } })
    assert.ok((ok.choices[0]?.message.content ?? '').length > 0)
    const bad = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 4 }, { headers: { 'X-Mycel-Class': 'secret' } }).catch((err: unknown) => err)
    assert.ok(bad instanceof OpenAI.BadRequestError)
    assert.match(bad.message, /X-Mycel-Class must be one of public, internal, confidential, local-only/)
  })

  it('answers a chat completion, run by alpha, equal to alpha running it locally', async () => {
    const messages = [{ role: 'user' as const, content: 'Hello mesh' }]
    const res = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 12, temperature: 0 })
    assert.equal(res.object, 'chat.completion')
    const text = res.choices[0]?.message.content ?? ''
    assert.ok(text.length > 0)
    assert.equal(res.choices[0]?.message.role, 'assistant')
    assert.ok(['stop', 'length'].includes(res.choices[0]?.finish_reason ?? ''))
    assert.ok((res.usage?.prompt_tokens ?? 0) > 0)
    assert.ok((res.usage?.completion_tokens ?? 0) > 0)
    assert.equal(res.usage?.total_tokens, (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0))
    const task = (await delegated())[0]
    assert.equal(task?.kind, 'llm.chat')
    assert.equal(task?.executor, alpha.peerId)
    // greedy decoding is deterministic: the same request on alpha's own API gives the same bytes
    const local = new OpenAI({ baseURL: `${alpha.api.url}/v1`, apiKey: alpha.api.token, maxRetries: 0 })
    const again = await local.chat.completions.create({ model: MODEL, messages, max_tokens: 12, temperature: 0 })
    assert.equal(again.choices[0]?.message.content, text)
  })

  it('streams a chat completion as SSE chunks that add up to the non-streamed answer, with usage', async () => {
    const messages = [{ role: 'user' as const, content: 'Stream to me' }]
    const whole = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 16, temperature: 0 })
    const stream = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true } })
    let text = ''
    let chunks = 0
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk')
      const c = chunk.choices[0]
      if (c != null) { text += c.delta.content ?? ''; chunks++; finish = c.finish_reason ?? finish }
      if (chunk.usage != null) usage = chunk.usage
    }
    assert.ok(chunks > 2, `expected several chunks, got ${chunks}`)
    assert.equal(text, whole.choices[0]?.message.content)
    assert.ok(finish === 'stop' || finish === 'length')
    assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens)
  })

  it('answers text completions, streamed and not', async () => {
    const res = await client.completions.create({ model: MODEL, prompt: 'The mesh is', max_tokens: 10, temperature: 0 })
    assert.equal(res.object, 'text_completion')
    const text = res.choices[0]?.text ?? ''
    assert.ok(text.length > 0)
    assert.ok((res.usage?.completion_tokens ?? 0) > 0)
    let streamed = ''
    for await (const chunk of await client.completions.create({ model: MODEL, prompt: 'The mesh is', max_tokens: 10, temperature: 0, stream: true })) {
      streamed += chunk.choices[0]?.text ?? ''
    }
    assert.equal(streamed, text)
    assert.equal((await delegated())[0]?.kind, 'llm.complete')
  })

  it('honours logit_bias through the mesh: -100 on the greedy token changes the completion, +100 on one forces it', async () => {
    const prompt = 'The mesh says:'
    const text = async (extra: { logit_bias?: Record<string, number> }): Promise<string> =>
      (await client.completions.create({ model: MODEL, prompt, max_tokens: 8, temperature: 0, ...extra })).choices[0]?.text ?? ''
    const plain = await text({})
    const first = Buffer.from(plain)[0] as number
    // the tiny model's byte vocabulary: one token per byte, and a space has a token of its own as well
    const banned = [TOKEN.firstByte + first, ...(first === 0x20 ? [TOKEN.space] : [])]
    const biased = await text({ logit_bias: Object.fromEntries(banned.map(t => [String(t), -100])) })
    assert.notEqual(biased[0], plain[0], `${JSON.stringify(plain)} -> ${JSON.stringify(biased)}`)
    assert.equal(await text({ logit_bias: { [String(TOKEN.firstByte + 0x5A)]: 100 } }), 'Z'.repeat(8))
  })

  it('ends a completion at a stop sequence (finish_reason stop, fewer tokens), and answers n choices', async () => {
    const messages = [{ role: 'user' as const, content: 'Hello mesh' }]
    const full = (await client.chat.completions.create({ model: MODEL, messages, max_tokens: 24, temperature: 0 })).choices[0]?.message.content ?? ''
    const stop = full.slice(10, 12)
    const cut = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 24, temperature: 0, stop })
    assert.equal(cut.choices[0]?.message.content, full.slice(0, full.indexOf(stop)))
    assert.equal(cut.choices[0]?.finish_reason, 'stop')
    assert.ok((cut.usage?.completion_tokens ?? 99) < 24, 'the executor stopped generating at the stop sequence')
    let streamed = ''
    for await (const c of await client.completions.create({ model: MODEL, prompt: 'The mesh is', max_tokens: 24, temperature: 0, stream: true, stop: [stop, 'zzz'] })) streamed += c.choices[0]?.text ?? ''
    const plain = (await client.completions.create({ model: MODEL, prompt: 'The mesh is', max_tokens: 24, temperature: 0 })).choices[0]?.text ?? ''
    assert.equal(streamed, plain.includes(stop) ? plain.slice(0, plain.indexOf(stop)) : plain)
    const three = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 6, temperature: 0, n: 3 })
    assert.deepEqual(three.choices.map(c => c.index), [0, 1, 2])
    // greedy: every choice is the same text, each its own task
    assert.deepEqual(three.choices.map(c => c.message.content), Array(3).fill(full.slice(0, three.choices[0]?.message.content?.length)))
    assert.equal(three.usage?.completion_tokens, 18)
  })

  it('returns embeddings, as floats and as the base64 the client asks for by default', async () => {
    const res = await client.embeddings.create({ model: MODEL, input: ['first text', 'second text'] })
    assert.equal(res.object, 'list')
    assert.equal(res.data.length, 2)
    const dims = res.data[0]?.embedding.length ?? 0
    assert.ok(dims > 0)
    assert.ok(res.data.every((d, i) => d.index === i && d.embedding.length === dims && d.embedding.every(Number.isFinite)))
    const floats = await client.embeddings.create({ model: MODEL, input: 'first text', encoding_format: 'float' })
    const a = floats.data[0]?.embedding ?? []
    const b = res.data[0]?.embedding ?? []
    assert.equal(a.length, dims)
    assert.ok(a.every((x, i) => Math.abs(x - (b[i] as number)) < 1e-5), 'base64 and float encodings carry the same vector')
    assert.equal((await delegated())[0]?.kind, 'llm.embed')
  })

  it('answers an unknown model with 404 model_not_found, streamed or not', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError)
      assert.equal(err.status, 404)
      assert.equal(err.code, 'model_not_found')
      assert.equal(err.param, 'model')
      return true
    })
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }], stream: true }), OpenAI.NotFoundError)
    await assert.rejects(client.embeddings.create({ model: 'no-such-model', input: 'x' }), OpenAI.NotFoundError)
    await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError)
  })

  it('a request the executor refuses keeps its real reason and the limit, across the mesh', async () => {
    // beta has no model: alpha runs it, and refuses maxTokens above its runtime's limit (the tiny model's context - 1)
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100_000 }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err))
      assert.equal(err.code, 'max_tokens_exceeded')
      assert.match(err.message, /max_tokens is above the executor's limit \(511 tokens\)/)
      return true
    })
    // a prompt longer than the context: OpenAI's own code for it
    await assert.rejects(client.completions.create({ model: MODEL, prompt: 'x'.repeat(600), max_tokens: 4 }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err))
      assert.equal(err.code, 'context_length_exceeded')
      assert.match(err.message, /does not fit the executor's context \(512 tokens\)/)
      return true
    })
    // a prompt that fits, with max_tokens that fit the limit but not the room left: alpha refuses it
    // by context (busy on the wire), and with no member able to take it that is a 400, not a 429 to retry
    await assert.rejects(client.completions.create({ model: MODEL, prompt: 'x'.repeat(300), max_tokens: 300 }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err))
      assert.equal(err.code, 'context_length_exceeded')
      assert.match(err.message, /more context than any member's sequence holds \(512 tokens\)/)
      return true
    })
    const after = await client.completions.create({ model: MODEL, prompt: 'The mesh is', max_tokens: 4, temperature: 0 })
    assert.equal(after.choices.length, 1)
  })

  it('refuses a wrong API key with 401', async () => {
    const wrong = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: 'not-the-token', maxRetries: 0 })
    await assert.rejects(wrong.models.list(), (err: unknown) => err instanceof OpenAI.AuthenticationError && err.status === 401)
  })

  describe('bad requests (raw HTTP)', () => {
    async function raw (path: string, init: { method?: string, body?: string, token?: string | null, headers?: Record<string, string> } = {}): Promise<{ status: number, body: any, headers: Headers }> {
      const token = init.token === undefined ? beta.api.token : init.token
      const res = await fetch(beta.api.url + path, {
        method: init.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...(token != null ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
        ...(init.body != null ? { body: init.body } : {})
      })
      const text = await res.text()
      let body: unknown = text
      try { body = JSON.parse(text) } catch {}
      return { status: res.status, body, headers: res.headers }
    }

    function assertOpenAiError (res: { status: number, body: any }, status: number, code?: string): void {
      assert.equal(res.status, status, JSON.stringify(res.body))
      assert.equal(typeof res.body?.error?.message, 'string')
      assert.equal(typeof res.body?.error?.type, 'string')
      assert.ok('param' in res.body.error && 'code' in res.body.error, 'error has param and code')
      if (code != null) assert.equal(res.body.error.code, code)
    }

    /** After every bad request, a good one still works. */
    async function stillServes (): Promise<void> {
      const res = await raw('/v1/models', { method: 'GET' })
      assert.equal(res.status, 200)
      assert.equal(res.body.data[0].id, MODEL)
    }

    it('malformed JSON: 400', async () => {
      assertOpenAiError(await raw('/v1/chat/completions', { body: '{"model": "tiny", "messages": [' }), 400, 'invalid_json')
      await stillServes()
    })

    it('wrong types and out-of-range values: 400 naming the field', async () => {
      const cases: Array<[string, unknown, string]> = [
        ['/v1/chat/completions', { model: MODEL, messages: 'hello' }, 'messages'],
        ['/v1/chat/completions', { model: 42, messages: [{ role: 'user', content: 'hi' }] }, 'model'],
        ['/v1/chat/completions', { model: MODEL, messages: [] }, 'messages'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: -1 }, 'max_tokens'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' }, 'temperature'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], n: 9 }, 'n'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], n: 2, stream: true }, 'n'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], presence_penalty: 2.5 }, 'presence_penalty'],
        ['/v1/completions', { model: MODEL, prompt: 'x', logit_bias: { 5: 101 } }, 'logit_bias'],
        ['/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], functions: [{ name: 'f' }] }, 'functions'],
        ['/v1/completions', { model: MODEL, prompt: ['a', 'b'] }, 'prompt'],
        ['/v1/completions', { model: MODEL, prompt: 'x', stream: 'yes' }, 'stream'],
        ['/v1/embeddings', { model: MODEL, input: [1, 2, 3] }, 'input[0]'],
        ['/v1/embeddings', { model: MODEL }, 'input']
      ]
      for (const [path, body, param] of cases) {
        const res = await raw(path, { body: JSON.stringify(body) })
        assertOpenAiError(res, 400)
        assert.equal(res.body.error.param, param, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
      }
      assertOpenAiError(await raw('/v1/chat/completions', { body: '[1,2]' }), 400)
      assertOpenAiError(await raw('/v1/chat/completions', { body: '"text"' }), 400)
      await stillServes()
    })

    it('oversized body: 413', async () => {
      const big = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(2 * 1024 * 1024) }] })
      assertOpenAiError(await raw('/v1/chat/completions', { body: big }), 413, 'request_too_large')
      await stillServes()
    })

    it('missing or wrong token: 401', async () => {
      assertOpenAiError(await raw('/v1/chat/completions', { token: null, body: '{}' }), 401, 'invalid_api_key')
      assertOpenAiError(await raw('/v1/models', { method: 'GET', token: 'x'.repeat(64) }), 401, 'invalid_api_key')
      assertOpenAiError(await raw('/v1/models', { method: 'GET', token: null, headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401)
      await stillServes()
    })

    it('unknown route: 404; wrong method: 405', async () => {
      assertOpenAiError(await raw('/v1/nothing-here', { body: '{}' }), 404, 'unknown_url')
      assertOpenAiError(await raw('/v1/chat/completions', { method: 'GET' }), 405)
      await stillServes()
    })

    it('a page on another site is refused (Origin), and so is a rebound host name', async () => {
      // fetch will not send Origin or Host as given: node:http does
      const get = async (headers: Record<string, string>): Promise<{ status: number, body: any }> => await new Promise((resolve, reject) => {
        const req = httpRequest(`${beta.api.url}/v1/models`, { headers: { authorization: `Bearer ${beta.api.token}`, ...headers } }, res => {
          let text = ''
          res.setEncoding('utf8').on('data', (d: string) => { text += d }).on('end', () => { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }) })
        })
        req.on('error', reject)
        req.end()
      })
      assertOpenAiError(await get({ origin: 'https://evil.example' }), 403, 'forbidden_origin')
      assertOpenAiError(await get({ origin: 'null' }), 403, 'forbidden_origin')
      assertOpenAiError(await get({ host: 'evil.example' }), 403, 'forbidden_host')
      assert.equal((await get({ origin: 'http://localhost:3000' })).status, 200)
      assert.equal((await get({ host: 'localhost' })).status, 200)
      await stillServes()
    })
  })
})
