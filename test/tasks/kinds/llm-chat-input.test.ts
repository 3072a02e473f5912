/**
 * The `llm.chat` task input as an executor receives it from another member:
 * function-calling fields and tool turns parse to exactly what was sent, and
 * anything unbounded or misshapen is refused before the runtime sees it.
 * Parsing needs no model, so the runtime is a stub here.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { llmKinds } from '../../../node/tasks/kinds/index.ts'
import type { Runtime } from '../../../node/runtime/index.ts'

const chat = llmKinds({} as Runtime).find(k => k.kind === 'llm.chat')
const parse = (input: unknown): unknown => chat?.parseInput(input)
const USER = { role: 'user', content: 'Weather in Paris?' }
const TOOL = { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }

describe('llm.chat task input with tools', { timeout: 10_000 }, () => {
  it('tools, choices, formats and tool turns parse to what was sent', () => {
    const input = {
      model: 'tiny',
      messages: [
        USER,
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"temp":21}' }
      ],
      tools: [TOOL],
      toolChoice: { name: 'get_weather' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true }
    }
    assert.deepEqual(parse(input), input)
    for (const toolChoice of ['auto', 'none', 'required']) assert.equal((parse({ model: 'tiny', messages: [USER], toolChoice }) as { toolChoice: string }).toolChoice, toolChoice)
    assert.deepEqual((parse({ model: 'tiny', messages: [USER], responseFormat: { type: 'json_object' } }) as { responseFormat: unknown }).responseFormat, { type: 'json_object' })
  })

  it('refuses misshapen or unbounded input with InvalidTaskInputError naming the field', () => {
    const deep: Record<string, unknown> = { type: 'object' }
    let node = deep
    for (let i = 0; i < 40; i++) { const next = { type: 'object' }; node.properties = { a: next }; node = next }
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ tools: [{ ...TOOL, handler: 'x' }] }, /tools\[0\]\.handler/],
      [{ tools: [{ name: 'bad name' }] }, /tools\[0\]\.name/],
      [{ tools: Array.from({ length: 129 }, (_, i) => ({ name: `t${i}` })) }, /tools: expected at most 128/],
      [{ tools: [{ name: 'f', parameters: deep }] }, /tools\[0\]\.parameters/],
      [{ tools: [{ name: 'f', parameters: ['not', 'an', 'object'] }] }, /tools\[0\]\.parameters/],
      [{ toolChoice: 'always' }, /toolChoice/],
      [{ toolChoice: { name: 'f', extra: 1 } }, /toolChoice\.extra/],
      [{ responseFormat: { type: 'yaml' } }, /responseFormat\.type/],
      [{ messages: [USER, { role: 'tool', content: '1' }] }, /messages\[1\]\.toolCallId/],
      [{ messages: [USER, { role: 'user', content: 'x', toolCalls: [] }] }, /messages\[1\]\.toolCalls/],
      [{ messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f', arguments: 'x'.repeat(256 * 1024 + 1) }] }] }, /messages\[0\]\.toolCalls\[0\]\.arguments/]
    ]
    for (const [extra, field] of bad) {
      assert.throws(() => parse({ model: 'tiny', messages: [USER], ...extra }), (err: Error) => {
        assert.equal(err.name, 'InvalidTaskInputError')
        assert.match(err.message, field)
        return true
      })
    }
  })
})
