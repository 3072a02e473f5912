/**
 * OpenAI's Responses API against a real two-node mesh: beta has no model,
 * so every request routes over the mesh to alpha. Driven by the official
 * `openai` client (`responses.create`, whole and streamed, and its
 * `responses.stream` helper, which checks the event order) and by the
 * OpenAI Agents SDK with its default model provider, which speaks this API.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import OpenAI from 'openai'
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents'
import { z } from 'zod'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'

describe('Responses API over a two-node mesh', { timeout: 300_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let client: OpenAI

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    client = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: beta.api.token, maxRetries: 0, timeout: 60_000 })
    setTracingDisabled(true)
  })

  /** The same conversation through chat completions (greedy: the same bytes). */
  async function chatText (system: string, user: string, maxTokens: number): Promise<string> {
    const r = await client.chat.completions.create({ model: MODEL, max_tokens: maxTokens, temperature: 0, messages: [{ role: 'system', content: system }, { role: 'user', content: user }] })
    return r.choices[0]?.message.content ?? ''
  }

  it('answers a whole response, run by alpha, with the text chat completions give', async () => {
    const r = await client.responses.create({ model: MODEL, instructions: 'Be brief.', input: 'Hello mesh', max_output_tokens: 12, temperature: 0 })
    assert.equal(r.object, 'response')
    assert.match(r.id, /^resp_/)
    assert.ok(r.status === 'completed' || r.status === 'incomplete')
    assert.equal(r.output[0]?.type, 'message')
    assert.ok(r.output_text.length > 0)
    assert.equal(r.output_text, await chatText('Be brief.', 'Hello mesh', 12))
    assert.ok((r.usage?.input_tokens ?? 0) > 0)
    assert.equal(r.usage?.total_tokens, (r.usage?.input_tokens ?? 0) + (r.usage?.output_tokens ?? 0))
    assert.equal((r as unknown as { store: boolean }).store, false)
    const tasks = await beta.get<Array<{ kind: string, executor: string, role: string }>>('/api/tasks')
    assert.deepEqual(tasks.filter(t => t.role === 'delegator').map(t => [t.kind, t.executor])[0], ['llm.chat', alpha.peerId])
  })

  it('takes input items (developer, user, assistant turns) like the chat messages they are', async () => {
    const r = await client.responses.create({
      model: MODEL,
      max_output_tokens: 10,
      temperature: 0,
      input: [
        { role: 'developer', content: 'Be brief.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello ' }, { type: 'input_text', text: 'mesh' }] }
      ]
    })
    assert.equal(r.output_text, await chatText('Be brief.', 'Hello mesh', 10))
  })

  it('streams the Responses event sequence, adding up to the whole response', async () => {
    const whole = await client.responses.create({ model: MODEL, input: 'Stream to me', max_output_tokens: 16, temperature: 0 })
    const types: string[] = []
    const seqs: number[] = []
    let text = ''
    let final: OpenAI.Responses.Response | undefined
    for await (const e of await client.responses.create({ model: MODEL, input: 'Stream to me', max_output_tokens: 16, temperature: 0, stream: true })) {
      types.push(e.type)
      seqs.push(e.sequence_number)
      if (e.type === 'response.output_text.delta') text += e.delta
      if (e.type === 'response.completed' || e.type === 'response.incomplete') final = e.response
    }
    const distinct = types.filter((t, i) => t !== types[i - 1])
    assert.deepEqual(distinct.slice(0, 5), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta'])
    assert.deepEqual(distinct.slice(-4, -1), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done'])
    assert.ok(types.filter(t => t === 'response.output_text.delta').length > 1, 'several deltas')
    assert.deepEqual(seqs, seqs.map((_, i) => i), 'sequence numbers count up from 0')
    assert.equal(text, whole.output_text)
    assert.equal(final?.output_text ?? (final?.output[0] as { content?: Array<{ text: string }> } | undefined)?.content?.[0]?.text, whole.output_text)
    // the client's stream helper checks every event against the snapshot it builds
    const helper = client.responses.stream({ model: MODEL, input: 'Stream to me', max_output_tokens: 16, temperature: 0 })
    assert.equal((await helper.finalResponse()).output_text, whole.output_text)
  })

  it('says the token limit cut the text: status incomplete, reason max_output_tokens', async () => {
    const r = await client.responses.create({ model: MODEL, input: 'Talk a lot', max_output_tokens: 3, temperature: 0 })
    assert.equal(r.status, 'incomplete')
    assert.equal(r.incomplete_details?.reason, 'max_output_tokens')
    assert.equal(r.usage?.output_tokens, 3)
  })

  it('ends the text at a stop sequence (a Mycel extension): completed, not cut by the token limit', async () => {
    const text = await chatText('Be brief.', 'Hello mesh', 12)
    const stop = text.slice(5, 7)
    const r = await client.responses.create({ model: MODEL, instructions: 'Be brief.', input: 'Hello mesh', max_output_tokens: 12, temperature: 0, stop: [stop] } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
    assert.equal(r.status, 'completed')
    assert.equal(r.output_text, text.slice(0, text.indexOf(stop)))
    assert.ok((r.usage?.output_tokens ?? 99) < 12, 'generation stopped at the stop sequence')
  })

  it('runs one turn of an OpenAI Agents SDK agent through its default (Responses) model, whole and streamed', async () => {
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client }), tracingDisabled: true })
    // the tiny model never ends a text by itself, and the SDK takes a cut-off text for an error: a stop sequence ends the turn
    const full = await chatText('Be brief.', 'Hello agent', 12)
    const stop = full.slice(5, 7)
    const expected = full.slice(0, full.indexOf(stop))
    const agent = new Agent({ name: 'mesh', instructions: 'Be brief.', model: MODEL, modelSettings: { temperature: 0, maxTokens: 12, providerData: { stop: [stop] } } })
    const result = await runner.run(agent, 'Hello agent')
    assert.equal(result.finalOutput, expected)
    const streamed = await runner.run(agent, 'Hello agent', { stream: true })
    let text = ''
    for await (const e of streamed) {
      if (e.type === 'raw_model_stream_event' && e.data.type === 'output_text_delta') text += e.data.delta
    }
    await streamed.completed
    assert.equal(streamed.error, null)
    assert.equal(text, expected)
    assert.equal(streamed.finalOutput, expected)
  })

  const weather = {
    type: 'function' as const,
    name: 'get_weather',
    description: 'The weather in a city',
    // bounded strings: the tiny model's greedy text never closes an open-ended one
    parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Oslo', 'Lima'] } }, required: ['city'], additionalProperties: false },
    strict: true
  }

  it('answers a forced function tool with a function_call item whose arguments fit the schema, whole and streamed', async () => {
    const body = { model: MODEL, input: 'Weather in Paris?', tools: [weather], tool_choice: { type: 'function' as const, name: 'get_weather' }, max_output_tokens: 128, temperature: 0 }
    const r = await client.responses.create(body)
    assert.equal(r.status, 'completed')
    const call = r.output.find(o => o.type === 'function_call')
    assert.ok(call?.type === 'function_call', JSON.stringify(r.output))
    assert.equal(call.name, 'get_weather')
    assert.match(call.call_id, /^call_/)
    assert.ok(['Paris', 'Oslo', 'Lima'].includes((JSON.parse(call.arguments) as { city: string }).city), call.arguments)
    const types: string[] = []
    let args = ''
    let final: OpenAI.Responses.Response | undefined
    for await (const e of await client.responses.create({ ...body, stream: true })) {
      types.push(e.type)
      if (e.type === 'response.function_call_arguments.delta') args += e.delta
      if (e.type === 'response.completed') final = e.response
    }
    assert.ok(types.includes('response.function_call_arguments.done'))
    assert.equal(args, call.arguments, 'greedy: the same call, streamed')
    assert.equal((final?.output.find(o => o.type === 'function_call') as { arguments?: string } | undefined)?.arguments, call.arguments)
    // the call and its output go back as input items; the model answers on
    const next = await client.responses.create({
      model: MODEL,
      max_output_tokens: 8,
      temperature: 0,
      tools: [weather],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }
      ]
    })
    assert.ok(next.status === 'completed' || next.status === 'incomplete', next.status)
  })

  it('holds the answer to text.format json_schema', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] }, sure: { type: 'boolean' } }, required: ['answer', 'sure'], additionalProperties: false }
    const r = await client.responses.create({ model: MODEL, input: 'Answer in JSON', max_output_tokens: 128, temperature: 0, text: { format: { type: 'json_schema', name: 'reply', schema, strict: true } } })
    assert.equal(r.status, 'completed')
    const answer = JSON.parse(r.output_text) as { answer: string, sure: boolean }
    assert.ok(['yes', 'no'].includes(answer.answer) && typeof answer.sure === 'boolean', r.output_text)
  })

  it('runs an Agents SDK agent turn that calls a function tool, and one with a structured output type', async () => {
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client }), tracingDisabled: true })
    const cities: string[] = []
    const getWeather = tool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.enum(['Paris', 'Oslo', 'Lima']) }),
      execute: async ({ city }) => { cities.push(city); return `sunny in ${city}` }
    })
    const agent = new Agent({ name: 'weather', instructions: 'Use the tool.', model: MODEL, tools: [getWeather], toolUseBehavior: 'stop_on_first_tool', modelSettings: { temperature: 0, maxTokens: 64, toolChoice: 'required' } })
    const result = await runner.run(agent, 'Weather in Paris?')
    assert.equal(cities.length, 1, 'the tool ran once')
    assert.equal(result.finalOutput, `sunny in ${cities[0] ?? ''}`)
    const typed = new Agent({ name: 'typed', model: MODEL, outputType: z.object({ answer: z.enum(['yes', 'no']), sure: z.boolean() }), modelSettings: { temperature: 0, maxTokens: 64 } })
    const out = await runner.run(typed, 'Answer')
    assert.ok(['yes', 'no'].includes(out.finalOutput?.answer ?? ''))
    assert.equal(typeof out.finalOutput?.sure, 'boolean')
  })

  describe('bad requests', () => {
    async function raw (body: unknown, method = 'POST', path = '/v1/responses'): Promise<{ status: number, body: any }> {
      const res = await fetch(beta.api.url + path, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${beta.api.token}` },
        ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
      })
      return { status: res.status, body: await res.json() }
    }

    it('refuses what it cannot honour with a 400 naming the field, in OpenAI\'s shape, and keeps serving', async () => {
      const ok = { model: MODEL, input: 'hi' }
      const cases: Array<[unknown, string]> = [
        [{ ...ok, previous_response_id: 'resp_123' }, 'previous_response_id'],
        [{ ...ok, conversation: 'conv_1' }, 'conversation'],
        [{ model: MODEL, input: [] }, 'input'],
        [{ model: MODEL }, 'input'],
        [{ ...ok, model: 7 }, 'model'],
        [{ model: MODEL, input: [{ role: 'wizard', content: 'x' }] }, 'input[0].role'],
        [{ model: MODEL, input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x' }] }] }, 'input[0].content[0].type'],
        [{ model: MODEL, input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
        [{ ...ok, tools: [{ type: 'web_search' }] }, 'tools[0].type'],
        [{ ...ok, tool_choice: { type: 'function', name: 'nope' } }, 'tool_choice'],
        [{ ...ok, max_output_tokens: 0 }, 'max_output_tokens'],
        [{ ...ok, temperature: 3 }, 'temperature'],
        [{ ...ok, reasoning: { effort: 'high' } }, 'reasoning.effort']
      ]
      for (const [body, param] of cases) {
        const res = await raw(body)
        assert.equal(res.status, 400, JSON.stringify(body))
        assert.equal(res.body.error.param, param, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
        assert.equal(typeof res.body.error.message, 'string')
      }
      assert.equal((await raw('{"model":')).status, 400)
      const unknown = await raw({ model: 'no-such-model', input: 'hi' })
      assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'model_not_found'])
      await assert.rejects(client.responses.create({ model: 'no-such-model', input: 'hi', stream: true }), OpenAI.NotFoundError)
      await assert.rejects(client.responses.retrieve('resp_123'), OpenAI.NotFoundError)
      const still = await client.responses.create({ model: MODEL, input: 'hi', max_output_tokens: 4, temperature: 0 })
      assert.ok(still.output_text.length > 0)
    })
  })
})
