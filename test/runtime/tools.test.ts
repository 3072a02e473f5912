import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import type { ChatMessage, ChatTool } from '../../protocol/task/chat.ts'
import { runtimeFixture } from './helpers.ts'

const WEATHER: ChatTool = {
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', enum: ['Paris', 'Oslo', 'Lima'] }, celsius: { type: 'boolean' }, note: { type: 'string', maxLength: 6 } },
    required: ['city', 'celsius'],
    additionalProperties: false
  }
}
const TIME: ChatTool = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'] } }
const DATE: ChatTool = { name: 'get_date', parameters: { type: 'object', properties: { iso: { type: 'boolean' } }, required: ['iso'] } }
const ASK: ChatMessage[] = [{ role: 'user', content: 'Weather in Paris?' }]
const ajv = new Ajv({ strict: false })
const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

function validArgs (tool: ChatTool, args: string): boolean {
  return ajv.validate(tool.parameters as object, JSON.parse(args))
}

describe('runtime function calling and structured output on the generated test models', { timeout: 120_000 }, () => {
  // a template wrapper documents functions at length: the bench size has the context for it
  const f = runtimeFixture({ tiny: {}, chatml: { size: 'bench', chatTemplate: CHATML } })

  it('a named tool choice always gives a call of that tool whose arguments satisfy its schema, the same every time', async () => {
    // the tools' documentation takes most of the tiny model's 512 tokens: prompt plus maxTokens must fit them
    const req = { model: 'tiny', messages: ASK, tools: [TIME, WEATHER], toolChoice: { name: 'get_weather' }, maxTokens: 96 }
    const a = await f.rt.chat(req)
    const b = await f.rt.chat(req)
    assert.equal(a.finishReason, 'tool_calls')
    assert.equal(a.toolCalls?.length, 1)
    const call = a.toolCalls?.[0]
    assert.equal(call?.name, 'get_weather')
    assert.match(call?.id ?? '', /^call_[0-9a-f]{24}$/)
    assert.ok(validArgs(WEATHER, call?.arguments ?? ''), `arguments ${call?.arguments} satisfy the schema`)
    assert.equal(b.toolCalls?.[0]?.arguments, call?.arguments, 'greedy decoding gives the same call')
    assert.equal(a.text, '', 'a forced answer has no text')
  })

  it('"required" gives a call of one of the offered tools with valid arguments', async () => {
    const r = await f.rt.chat({ model: 'tiny', messages: ASK, tools: [DATE, TIME], toolChoice: 'required', parallelToolCalls: false, maxTokens: 128 })
    assert.equal(r.finishReason, 'tool_calls')
    const call = r.toolCalls?.[0]
    const tool = [DATE, TIME].find(t => t.name === call?.name)
    assert.ok(tool != null, `the call names an offered tool (${call?.name})`)
    assert.ok(validArgs(tool, call?.arguments ?? ''))
  })

  it('a json_schema response format gives JSON that satisfies the schema; json_object gives a JSON object', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] }, sure: { type: 'boolean' } }, required: ['answer', 'sure'] }
    const r = await f.rt.chat({ model: 'tiny', messages: ASK, responseFormat: { type: 'json_schema', name: 'verdict', schema, strict: true }, maxTokens: 128 })
    assert.equal(r.finishReason, 'stop')
    assert.ok(ajv.validate(schema, JSON.parse(r.text)), r.text)
    const streamed: string[] = []
    const s = await f.rt.chat({ model: 'tiny', messages: ASK, responseFormat: { type: 'json_schema', schema }, maxTokens: 128, onText: t => streamed.push(t) })
    assert.equal(streamed.join(''), s.text, 'the streamed text is the answer')
    const o = await f.rt.chat({ model: 'tiny', messages: ASK, responseFormat: { type: 'json_object' }, maxTokens: 256 })
    if (o.finishReason === 'stop') assert.equal(typeof JSON.parse(o.text), 'object')
    else assert.equal(o.finishReason, 'length')
  })

  it('a tool result after the call is accepted and answered, and "none" answers in text', async () => {
    const first = await f.rt.chat({ model: 'tiny', messages: ASK, tools: [WEATHER], toolChoice: 'required', maxTokens: 96 })
    const call = first.toolCalls?.[0]
    assert.ok(call != null)
    const messages: ChatMessage[] = [...ASK, { role: 'assistant', content: '', toolCalls: [call] }, { role: 'tool', toolCallId: call.id, content: '{"temp":21}' }]
    const answer = await f.rt.chat({ model: 'tiny', messages, tools: [WEATHER], toolChoice: 'none', maxTokens: 16 })
    assert.ok(answer.finishReason === 'stop' || answer.finishReason === 'length')
    assert.equal(answer.toolCalls, undefined)
    assert.equal(answer.text, (await f.rt.chat({ model: 'tiny', messages, tools: [WEATHER], toolChoice: 'none', maxTokens: 16 })).text)
    // history plus the tool's documentation leave the tiny model little room: no maxTokens takes what is left
    const auto = await f.rt.chat({ model: 'tiny', messages, tools: [WEATHER] })
    assert.ok(auto.finishReason !== 'tool_calls' || validArgs(WEATHER, auto.toolCalls?.[0]?.arguments ?? ''))
  })

  it('a model with a chat template, on its own chat wrapper, is still forced to a valid call and takes the result back', async () => {
    const r = await f.rt.chat({ model: 'chatml', messages: ASK, tools: [TIME], toolChoice: 'required', maxTokens: 64 })
    assert.equal(r.finishReason, 'tool_calls')
    const call = r.toolCalls?.[0]
    assert.equal(call?.name, 'get_time')
    assert.ok(validArgs(TIME, call?.arguments ?? ''))
    const answer = await f.rt.chat({ model: 'chatml', messages: [...ASK, { role: 'assistant', content: '', toolCalls: [call as never] }, { role: 'tool', toolCallId: call?.id ?? '', content: '12:00' }], maxTokens: 8 })
    assert.equal(typeof answer.text, 'string')
  })

  it('refuses bad tools, choices and histories with InvalidRequestError naming the field, and keeps serving', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ tools: [{ name: 'f', parameters: { type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } } }] }, 'tools[0].parameters'],
      [{ tools: [{ name: 'f', parameters: { type: 'object', allOf: [{ $ref: '#' }] } }] }, 'tools[0].parameters'],
      [{ tools: [{ name: 'f', parameters: { type: 'string' } }] }, 'tools[0].parameters'],
      [{ tools: [WEATHER, WEATHER] }, 'tools[1].name'],
      [{ tools: [WEATHER], toolChoice: { name: 'nope' } }, 'toolChoice.name'],
      [{ toolChoice: 'required' }, 'toolChoice'],
      [{ messages: [...ASK, { role: 'tool', toolCallId: 'call_x', content: '1' }] }, 'messages[1].toolCallId'],
      [{ responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'nonsense' } } } } }, 'responseFormat.schema']
    ]
    for (const [extra, field] of bad) {
      await assert.rejects(f.rt.chat({ model: 'tiny', messages: ASK, maxTokens: 4, ...extra } as never), (err: Error & { field?: string }) => {
        assert.equal(err.name, 'InvalidRequestError')
        assert.equal(err.field, field, err.message)
        return true
      })
    }
    assert.equal(typeof (await f.rt.chat({ model: 'tiny', messages: ASK, maxTokens: 4 })).text, 'string')
  })

  it('a chat on the function-calling path ends at a stop sequence too', async () => {
    const req = { model: 'tiny', messages: ASK, tools: [WEATHER], toolChoice: 'none' as const, maxTokens: 24 }
    const full = await f.rt.chat(req)
    const stop = full.text.slice(5, 7)
    const streamed: string[] = []
    const cut = await f.rt.chat({ ...req, stop: [stop], onText: t => streamed.push(t) })
    assert.equal(cut.text, full.text.slice(0, full.text.indexOf(stop)))
    assert.equal(streamed.join(''), cut.text)
    assert.equal(cut.finishReason, 'stop')
    assert.equal(cut.stopSequence, stop)
    assert.ok(cut.usage.completionTokens < 24, `generated ${cut.usage.completionTokens} of 24`)
  })

  it('a tool or json_schema request whose prompt plus maxTokens cannot fit the context is refused busy, and the next one is served', async () => {
    // each prompt fits the tiny model's 512 tokens, but not with 480 more
    const refused = [
      { model: 'tiny', messages: ASK, tools: [WEATHER], toolChoice: 'required' as const, maxTokens: 480 },
      { model: 'tiny', messages: ASK, responseFormat: { type: 'json_schema' as const, schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }, maxTokens: 480 }
    ]
    for (const req of refused) {
      await assert.rejects(f.rt.chat(req), (err: Error & { code?: string, retryAfterMs?: number }) => {
        assert.equal(err.name, 'ContextBudgetError', err.message)
        assert.equal(err.code, 'busy')
        assert.ok((err.retryAfterMs ?? 0) > 0)
        return true
      })
    }
    // without an explicit maxTokens the same prompt runs in the room it leaves
    const fits = await f.rt.chat({ model: 'tiny', messages: ASK, tools: [WEATHER], toolChoice: 'required' })
    assert.equal(fits.finishReason, 'tool_calls')
    const next = await f.rt.chat({ model: 'tiny', messages: ASK, tools: [TIME, WEATHER], toolChoice: { name: 'get_weather' }, maxTokens: 96 })
    assert.equal(next.toolCalls?.[0]?.name, 'get_weather')
    assert.ok(validArgs(WEATHER, next.toolCalls?.[0]?.arguments ?? ''))
  })
})
