/**
 * How the OpenAI routes report what the router throws, with a stub router
 * in place of the mesh: policy denials, busy executors (with Retry-After),
 * failures on an executor, and a failure after streaming has begun.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import OpenAI from 'openai'
import { ApiServer } from '../../node/api/server.ts'
import { createLogger } from '../../node/logger.ts'
import { apiErrorBody, registerOpenAiRoutes, type OpenAiModules } from '../../node/openai/index.ts'
import { BusyError, InvalidTaskInputError, PolicyDeniedError, TaskFailedError } from '../../node/tasks/errors.ts'
import type { RunResult, RunSpec } from '../../node/tasks/index.ts'

const TOKEN = 'a'.repeat(64)

describe('OpenAI API errors from the router', () => {
  let behaviour: (spec: RunSpec) => Promise<RunResult>
  const node: OpenAiModules = {
    tasks: { run: async (spec) => await behaviour(spec) },
    sessions: { turn: async () => { throw new Error('not used') } },
    node: { caps: () => [{ peerId: 'p1', name: 'alpha', models: [{ name: 'm' }] }, { peerId: 'p2', name: 'beta', models: [{ name: 'm' }, { name: 'n' }] }] }
  }
  const api = new ApiServer({ token: TOKEN, logger: createLogger('test:openai'), errorBody: apiErrorBody })
  registerOpenAiRoutes(api, node)
  let url = ''
  let client: OpenAI

  before(async () => {
    const bound = await api.listen('127.0.0.1', 0)
    url = `http://127.0.0.1:${bound.port}`
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: TOKEN, maxRetries: 0 })
  })
  after(async () => { api.closeAll(); await api.close() })

  const chat = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] }

  it('lists each model once, naming the members that offer it', async () => {
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const body = await res.json() as { data: Array<{ id: string, peers: string[] }> }
    assert.deepEqual(body.data.map(m => [m.id, m.peers]), [['m', ['alpha', 'beta']], ['n', ['beta']]])
  })

  it('passes the request to the router as an llm.chat task', async () => {
    let seen: RunSpec | undefined
    behaviour = async (spec) => { seen = spec; return { taskId: 't', executor: 'p1', output: 'ok', usage: { promptTokens: 3, completionTokens: 1 }, finishReason: 'length', attempts: 1 } }
    const res = await client.chat.completions.create({ ...chat, max_tokens: 5, temperature: 0.5, top_p: 0.9, seed: 7, messages: [{ role: 'developer', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }] })
    assert.equal(res.choices[0]?.finish_reason, 'length')
    assert.equal(seen?.kind, 'llm.chat')
    assert.equal(seen?.model, 'm')
    assert.deepEqual(seen?.input, { model: 'm', maxTokens: 5, temperature: 0.5, topP: 0.9, seed: 7, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] })
  })

  it('repeat penalties and logit_bias reach the router; neutral values are left out; out of range is a 400 naming the field', async () => {
    let seen: RunSpec | undefined
    behaviour = async (spec) => { seen = spec; return { taskId: 't', executor: 'p1', output: 'ok', attempts: 1 } }
    await client.chat.completions.create({ ...chat, presence_penalty: 0.5, frequency_penalty: -1, logit_bias: { 50256: -100, 7: 2.5 } })
    assert.deepEqual(seen?.input, { model: 'm', presencePenalty: 0.5, frequencyPenalty: -1, logitBias: { 50256: -100, 7: 2.5 }, messages: [{ role: 'user', content: 'hi' }] })
    await client.completions.create({ model: 'm', prompt: 'x', presence_penalty: 2, logit_bias: { 0: 100 } })
    assert.deepEqual(seen?.input, { model: 'm', presencePenalty: 2, logitBias: { 0: 100 }, prompt: 'x' })
    const neutral = await client.chat.completions.create({ ...chat, presence_penalty: 0, frequency_penalty: 0, logit_bias: {} })
    assert.equal(neutral.choices[0]?.message.content, 'ok')
    assert.deepEqual(seen?.input, { model: 'm', messages: [{ role: 'user', content: 'hi' }] })
    const refused: Array<[string, unknown]> = [
      ['presence_penalty', 2.5], ['frequency_penalty', -3], ['presence_penalty', 'high'],
      ['logit_bias', { 5: 101 }], ['logit_bias', { 5: -100.5 }], ['logit_bias', { '-1': 1 }], ['logit_bias', { abc: 1 }], ['logit_bias', { '01': 1 }],
      ['logit_bias', [1, 2]], ['logit_bias', Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [String(i), 1]))]
    ]
    for (const [field, value] of refused) {
      for (const path of ['/v1/chat/completions', '/v1/completions']) {
        const body = path === '/v1/completions' ? { model: 'm', prompt: 'x', [field]: value } : { ...chat, [field]: value }
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        const err = (await res.json() as { error: { param: string } }).error
        assert.deepEqual([res.status, err.param], [400, field], `${path} ${field} ${JSON.stringify(value).slice(0, 40)}`)
      }
    }
  })

  it('a policy denial is 403, locally or on the executor', async () => {
    behaviour = async () => { throw new PolicyDeniedError('Denied by rule x') }
    await assert.rejects(client.chat.completions.create(chat), (err: unknown) => err instanceof OpenAI.PermissionDeniedError && err.code === 'policy_denied')
    behaviour = async () => { throw new TaskFailedError('denied') }
    await assert.rejects(client.chat.completions.create({ ...chat, stream: true }), (err: unknown) => err instanceof OpenAI.PermissionDeniedError)
  })

  it('busy is 429 with Retry-After in whole seconds', async () => {
    for (const err of [new BusyError(2500), new TaskFailedError('busy', undefined, 2500)]) {
      behaviour = async () => { throw err }
      const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', prompt: 'x' }) })
      assert.equal(res.status, 429)
      assert.equal(res.headers.get('retry-after'), '3')
      const body = await res.json() as { error: { type: string, code: string } }
      assert.equal(body.error.type, 'rate_limit_error')
    }
  })

  it('bad task input is 400; an executor failure is 5xx without internals', async () => {
    behaviour = async () => { throw new InvalidTaskInputError('Malformed llm.chat input: maxTokens too large') }
    await assert.rejects(client.chat.completions.create(chat), OpenAI.BadRequestError)
    behaviour = async () => { throw new TaskFailedError('internal') }
    await assert.rejects(client.chat.completions.create(chat), (err: unknown) => err instanceof OpenAI.InternalServerError && err.status === 502)
    behaviour = async () => { throw new Error('secret stack detail') }
    await assert.rejects(client.chat.completions.create(chat), (err: unknown) => err instanceof OpenAI.InternalServerError && !String(err.message).includes('secret'))
  })

  it('a failure after the first token arrives as an error event, which the client raises', async () => {
    behaviour = async (spec) => {
      spec.onEvent?.({ type: 'text', text: 'partial ' })
      throw new TaskFailedError('unavailable')
    }
    const stream = await client.chat.completions.create({ ...chat, stream: true })
    let text = ''
    await assert.rejects((async () => { for await (const c of stream) text += c.choices[0]?.delta.content ?? '' })(), OpenAI.APIError)
    assert.equal(text, 'partial ')
  })

  it('output that restarts after a failover ends the stream with an error rather than repeating text', async () => {
    behaviour = async (spec) => {
      spec.onEvent?.({ type: 'text', text: 'abc' })
      spec.onEvent?.({ type: 'reset' })
      spec.onEvent?.({ type: 'text', text: 'xyz' })
      spec.signal?.throwIfAborted()
      return { taskId: 't', executor: 'p1', output: 'xyz', attempts: 2 }
    }
    let text = ''
    await assert.rejects((async () => { for await (const c of await client.completions.create({ model: 'm', prompt: 'x', stream: true })) text += c.choices[0]?.text ?? '' })(), OpenAI.APIError)
    assert.equal(text, 'abc')
  })
})
