/**
 * Function calling and structured output through the OpenAI API on a real
 * two-node mesh, driven by the official `openai` client and, for one run, the
 * OpenAI Agents SDK: beta has no model, so every request routes to alpha.
 * The generated test model writes random text, so the answers are exact only
 * because grammars force them: a forced call always names the tool and has
 * arguments that satisfy its schema (checked here with Ajv).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import OpenAI from 'openai'
import type { ChatCompletionTool } from 'openai/resources/chat/completions'
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled, tool } from '@openai/agents'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh, MODEL } from './mesh.ts'

const WEATHER_PARAMS = {
  type: 'object',
  properties: { city: { type: 'string', enum: ['Paris', 'Oslo', 'Lima'] }, celsius: { type: 'boolean' } },
  required: ['city', 'celsius'],
  additionalProperties: false
}
const WEATHER: ChatCompletionTool = { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: WEATHER_PARAMS } }
const TIME: ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'] } } }
const DATE: ChatCompletionTool = { type: 'function', function: { name: 'get_date', parameters: { type: 'object', properties: { iso: { type: 'boolean' } }, required: ['iso'] } } }
const ASK = [{ role: 'user' as const, content: 'Weather in Paris?' }]
const ajv = new Ajv({ strict: false })

function paramsOf (t: ChatCompletionTool): object {
  return (t as { function: { parameters: object } }).function.parameters
}

describe('OpenAI API function calling over a two-node mesh', { timeout: 240_000 }, () => {
  const h = harness({ after })
  let beta: MycelProcess
  let client: OpenAI

  before(async () => {
    // the SDK would try to send traces to OpenAI
    setTracingDisabled(true)
    const mesh = await modelMesh(h, 1)
    beta = mesh.others[0] as MycelProcess
    client = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: beta.api.token, maxRetries: 0, timeout: 60_000 })
  })

  it('a named tool_choice returns a tool_calls entry whose arguments validate against the schema', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: ASK, tools: [TIME, WEATHER], tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 128 })
    const choice = res.choices[0]
    assert.equal(choice?.finish_reason, 'tool_calls')
    assert.equal(choice?.message.content, null)
    const call = choice?.message.tool_calls?.[0]
    assert.equal(call?.type, 'function')
    assert.match(call?.id ?? '', /^call_/)
    assert.equal(call?.type === 'function' ? call.function.name : '', 'get_weather')
    const args: unknown = JSON.parse(call?.type === 'function' ? call.function.arguments : '')
    assert.ok(ajv.validate(WEATHER_PARAMS, args), JSON.stringify(args))
  })

  it('"required", streamed, arrives as OpenAI tool_calls deltas that join into a valid call', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: ASK, tools: [DATE, TIME], tool_choice: 'required', parallel_tool_calls: false, max_tokens: 128, stream: true })
    const deltas: Array<{ index: number, id?: string, type?: string, function?: { name?: string, arguments?: string } }> = []
    let finish: string | null = null
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) deltas.push(d)
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    assert.equal(finish, 'tool_calls')
    const first = deltas[0]
    assert.equal(first?.index, 0)
    assert.match(first?.id ?? '', /^call_/)
    assert.equal(first?.type, 'function')
    assert.equal(first?.function?.arguments, '', 'the first delta names the call; its arguments follow')
    assert.ok(deltas.slice(1).every(d => d.index === 0 && d.id === undefined && d.function?.name === undefined))
    const tool = [DATE, TIME].find(t => t.type === 'function' && t.function.name === first?.function?.name)
    assert.ok(tool != null, `the call names an offered tool (${first?.function?.name})`)
    const args: unknown = JSON.parse(deltas.map(d => d.function?.arguments ?? '').join(''))
    assert.ok(ajv.validate(paramsOf(tool), args), JSON.stringify(args))
  })

  it('a json_schema response validates against the schema, streamed or not', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] }, sure: { type: 'boolean' } }, required: ['answer', 'sure'], additionalProperties: false }
    const body = { model: MODEL, messages: ASK, max_tokens: 128, response_format: { type: 'json_schema' as const, json_schema: { name: 'verdict', schema, strict: true } } }
    const res = await client.chat.completions.create(body)
    const text = res.choices[0]?.message.content ?? ''
    assert.ok(ajv.validate(schema, JSON.parse(text)), text)
    let streamed = ''
    for await (const chunk of await client.chat.completions.create({ ...body, stream: true })) streamed += chunk.choices[0]?.delta.content ?? ''
    assert.equal(streamed, text, 'greedy decoding under the grammar gives the same JSON')
  })

  it('a tool result round trip is accepted and answered', async () => {
    const first = await client.chat.completions.create({ model: MODEL, messages: ASK, tools: [WEATHER], tool_choice: 'required', max_tokens: 128 })
    const message = first.choices[0]?.message
    const call = message?.tool_calls?.[0]
    assert.ok(message != null && call != null)
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [...ASK, message, { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' }],
      tools: [WEATHER],
      tool_choice: 'none',
      max_tokens: 8
    })
    assert.ok(['stop', 'length'].includes(res.choices[0]?.finish_reason ?? ''))
    assert.equal(typeof res.choices[0]?.message.content, 'string')
    assert.equal(res.choices[0]?.message.tool_calls, undefined)
  })

  it('bad tools, choices and histories get OpenAI 400s naming the field, and the node keeps serving', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { $ref: 'https://evil.example/a.json' } } } } }] }, 'tools[0].function.parameters'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } } }] }, 'tools[0].function.parameters'],
      [{ tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name'],
      [{ tool_choice: 'required' }, 'tool_choice'],
      [{ messages: [...ASK, { role: 'tool', tool_call_id: 'call_none', content: '1' }] }, 'messages[1].tool_call_id'],
      [{ messages: [...ASK, { role: 'tool', content: '1' }] }, 'messages[1].tool_call_id'],
      [{ tools: [{ type: 'function', function: { name: 'bad name!' } }] }, 'tools[0].function.name'],
      [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', allOf: [{ $ref: '#' }] } } } }, 'response_format.json_schema.schema']
    ]
    for (const [extra, param] of cases) {
      await assert.rejects(client.chat.completions.create({ model: MODEL, messages: ASK, max_tokens: 4, ...extra } as never), (err: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(err.status, 400, JSON.stringify(extra))
        assert.equal(err.param, param, err.message)
        assert.equal(err.type, 'invalid_request_error')
        return true
      })
    }
    const ok = await client.chat.completions.create({ model: MODEL, messages: ASK, max_tokens: 4 })
    assert.equal(typeof ok.choices[0]?.message.content, 'string')
  })

  it('@openai/agents runs an agent turn with a function tool against /v1 through the Chat Completions model', async () => {
    const seen: unknown[] = []
    const weather = tool({
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: WEATHER_PARAMS as never,
      strict: true,
      execute: async (args: unknown) => { seen.push(args); return 'sunny, 21 degrees' }
    })
    const agent = new Agent({
      name: 'forecaster',
      instructions: 'Answer with the weather.',
      model: new OpenAIChatCompletionsModel(client as never, MODEL),
      // the agent's instructions and tool documentation take most of the tiny model's 512 tokens
      modelSettings: { toolChoice: 'required', maxTokens: 64 },
      tools: [weather],
      // the tool's output is the final answer: one model turn, one tool call
      toolUseBehavior: 'stop_on_first_tool',
      resetToolChoice: false
    })
    const result = await run(agent, 'Weather in Paris?', { maxTurns: 2 })
    assert.equal(seen.length, 1, 'the agent ran the tool once')
    assert.ok(ajv.validate(WEATHER_PARAMS, seen[0]), JSON.stringify(seen[0]))
    assert.equal(result.finalOutput, 'sunny, 21 degrees')
  })
})
