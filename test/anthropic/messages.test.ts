/**
 * Anthropic's Messages API against a real two-node mesh, driven by the
 * official `@anthropic-ai/sdk` client: beta has no model, so every request
 * routes over the mesh to alpha. Streamed and whole answers agree with each
 * other and with the OpenAI API's; stop sequences end the text; tools are
 * called as tool_use blocks and their results go back; bad
 * requests get Anthropic's error shape and status, and the node keeps serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'

describe('Anthropic Messages API over a two-node mesh', () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let client: Anthropic

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    client = new Anthropic({ baseURL: beta.api.url, apiKey: beta.api.token, maxRetries: 0, timeout: 60_000 })
  })

  const messages = [{ role: 'user' as const, content: 'Hello mesh' }]
  // greedy decoding, so answers can be compared; the SDK's types no longer list `temperature`, the API still takes it
  const greedy: object = { temperature: 0 }

  function textOf (m: Anthropic.Message): string {
    return m.content.map(b => b.type === 'text' ? b.text : '').join('')
  }

  it('answers a message, run by alpha, with the same text as the OpenAI API', async () => {
    const m = await client.messages.create({ model: MODEL, max_tokens: 12, ...greedy, system: 'Be brief.', messages })
    assert.equal(m.type, 'message')
    assert.equal(m.role, 'assistant')
    assert.match(m.id, /^msg_/)
    const text = textOf(m)
    assert.ok(text.length > 0)
    assert.ok(['end_turn', 'max_tokens'].includes(m.stop_reason ?? ''))
    assert.ok(m.usage.input_tokens > 0)
    assert.ok(m.usage.output_tokens > 0)
    const tasks = await beta.get<Array<{ kind: string, executor: string, role: string }>>('/api/tasks')
    assert.equal(tasks.find(t => t.role === 'delegator')?.executor, alpha.peerId)
    // greedy decoding: the same chat through the OpenAI API gives the same bytes
    const openai = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: beta.api.token, maxRetries: 0 })
    const same = await openai.chat.completions.create({ model: MODEL, max_tokens: 12, temperature: 0, messages: [{ role: 'system', content: 'Be brief.' }, ...messages] })
    assert.equal(same.choices[0]?.message.content, text)
  })

  it('streams the events Anthropic clients expect, adding up to the whole answer', async () => {
    const whole = await client.messages.create({ model: MODEL, max_tokens: 16, ...greedy, messages })
    const stream = await client.messages.create({ model: MODEL, max_tokens: 16, ...greedy, messages, stream: true })
    const types: string[] = []
    let text = ''
    let stopReason: string | null = null
    let outputTokens = 0
    for await (const e of stream) {
      types.push(e.type)
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text
      if (e.type === 'message_delta') { stopReason = e.delta.stop_reason; outputTokens = e.usage.output_tokens }
    }
    assert.deepEqual([types[0], types[1]], ['message_start', 'content_block_start'])
    assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop'])
    assert.ok(types.filter(t => t === 'content_block_delta').length > 1)
    assert.equal(text, textOf(whole))
    assert.equal(stopReason, whole.stop_reason)
    assert.equal(outputTokens, whole.usage.output_tokens)
    // the SDK's own accumulator agrees
    const final = await client.messages.stream({ model: MODEL, max_tokens: 16, ...greedy, messages }).finalMessage()
    assert.equal(textOf(final), text)
  })

  it('stops at the first stop sequence, streamed or not', async () => {
    const whole = textOf(await client.messages.create({ model: MODEL, max_tokens: 24, ...greedy, messages }))
    assert.ok(whole.length >= 4, `need some text to cut, got ${JSON.stringify(whole)}`)
    const k = Math.floor(whole.length / 2)
    const stop = whole.slice(k, k + 2)
    const expected = whole.slice(0, whole.indexOf(stop))
    const m = await client.messages.create({ model: MODEL, max_tokens: 24, ...greedy, messages, stop_sequences: [stop] })
    assert.equal(textOf(m), expected)
    assert.equal(m.stop_reason, 'stop_sequence')
    assert.equal(m.stop_sequence, stop)
    // the executor ended the generation there: it did not run on to max_tokens
    assert.ok(m.usage.output_tokens < 24, `output_tokens ${m.usage.output_tokens}`)
    const streamed = await client.messages.stream({ model: MODEL, max_tokens: 24, ...greedy, messages, stop_sequences: [stop] }).finalMessage()
    assert.equal(textOf(streamed), expected)
    assert.equal(streamed.stop_reason, 'stop_sequence')
  })

  const weather = {
    name: 'get_weather',
    description: 'The weather in a city',
    // a bounded value: the tiny model's greedy text never closes an open-ended string
    input_schema: { type: 'object' as const, properties: { city: { type: 'string', enum: ['Paris', 'Oslo', 'Lima'] } }, required: ['city'] }
  }

  function toolUses (m: Anthropic.Message): Anthropic.ToolUseBlock[] {
    return m.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
  }

  it('calls a tool when told to (tool or any): a tool_use block whose input fits the schema, streamed as input_json_delta', async () => {
    const ask = [{ role: 'user' as const, content: 'Weather in Paris?' }]
    const m = await client.messages.create({ model: MODEL, max_tokens: 128, ...greedy, messages: ask, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' } })
    assert.equal(m.stop_reason, 'tool_use')
    const [use] = toolUses(m)
    assert.equal(use?.name, 'get_weather')
    assert.ok(['Paris', 'Oslo', 'Lima'].includes((use?.input as { city: string }).city), JSON.stringify(use?.input))
    const deltas: string[] = []
    const stream = client.messages.stream({ model: MODEL, max_tokens: 128, ...greedy, messages: ask, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' } })
    stream.on('streamEvent', (e) => { if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') deltas.push(e.delta.partial_json) })
    const streamed = await stream.finalMessage()
    assert.equal(streamed.stop_reason, 'tool_use')
    assert.deepEqual(toolUses(streamed)[0]?.input, use?.input, 'greedy: the same call, assembled from the deltas')
    assert.deepEqual(JSON.parse(deltas.join('')), use?.input)
    const any = await client.messages.create({ model: MODEL, max_tokens: 128, ...greedy, messages: ask, tools: [weather], tool_choice: { type: 'any', disable_parallel_tool_use: true } })
    assert.equal(toolUses(any).length, 1)
    // the call and its result go back; the model answers in text (none offers no tool to call)
    const answer = await client.messages.create({
      model: MODEL,
      max_tokens: 8,
      ...greedy,
      tools: [weather],
      tool_choice: { type: 'none' },
      messages: [...ask, { role: 'assistant', content: [{ type: 'tool_use', id: use?.id ?? '', name: 'get_weather', input: use?.input ?? {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.id ?? '', content: '21 degrees' }] }]
    })
    assert.equal(toolUses(answer).length, 0)
    assert.ok(textOf(answer).length > 0)
    assert.ok(answer.stop_reason === 'end_turn' || answer.stop_reason === 'max_tokens')
  })

  it('answers bad requests in Anthropic\'s error shape with its statuses, and keeps serving', async () => {
    const refused = async (body: unknown, status: number, type: string, message?: RegExp): Promise<void> => {
      const err = await client.messages.create(body as Anthropic.MessageCreateParamsNonStreaming).then(() => undefined, (e: unknown) => e)
      assert.ok(err instanceof Anthropic.APIError, String(err))
      assert.equal(err.status, status)
      const body_ = err.error as { type: string, error: { type: string, message: string } }
      assert.equal(body_.type, 'error')
      assert.equal(body_.error.type, type)
      if (message != null) assert.match(body_.error.message, message)
    }
    await refused({ model: MODEL, messages }, 400, 'invalid_request_error', /max_tokens/)
    await refused({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] }, 400, 'invalid_request_error', /image/)
    await refused({ model: MODEL, max_tokens: 8, messages, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 400, 'invalid_request_error', /server tools/)
    await refused({ model: MODEL, max_tokens: 8, messages, tools: [weather], tool_choice: { type: 'tool', name: 'nope' } }, 400, 'invalid_request_error', /nope/)
    await refused({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] }] }, 400, 'invalid_request_error', /assistant/)
    await refused({ model: MODEL, max_tokens: 8, messages, tools: [{ name: 'f', input_schema: { type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } } }] }, 400, 'invalid_request_error')
    await refused({ model: MODEL, max_tokens: 8, messages, temperature: 3 }, 400, 'invalid_request_error', /temperature/)
    await refused({ model: 'no-such-model', max_tokens: 8, messages }, 404, 'not_found_error')
    const wrongKey = new Anthropic({ baseURL: beta.api.url, apiKey: 'wrong', maxRetries: 0 })
    const err = await wrongKey.messages.create({ model: MODEL, max_tokens: 8, messages }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof Anthropic.AuthenticationError)
    assert.equal((err.error as { error: { type: string } }).error.type, 'authentication_error')
    // the token as a bearer token works too, and the node still serves
    const bearer = new Anthropic({ baseURL: beta.api.url, apiKey: null, authToken: beta.api.token, maxRetries: 0 })
    const ok = await bearer.messages.create({ model: MODEL, max_tokens: 4, ...greedy, messages })
    assert.ok(textOf(ok).length > 0)
  })
})
