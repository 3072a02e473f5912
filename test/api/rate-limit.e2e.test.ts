/**
 * Over a member's rate limit, every API door answers 429 with `Retry-After`
 * at once (the router does not sit out a minute-long retry-after itself):
 * alpha's policy lets beta run one task a minute; beta's first task runs,
 * and then each door's request is refused in that door's own error shape.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import OpenAI from 'openai'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { parseRate } from '../../node/policy/patterns.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'

describe('rate limit: 429 with Retry-After on every door', { timeout: 180_000 }, () => {
  const h = harness({ after })
  let beta: MycelProcess

  before(async () => {
    const mesh = await modelMesh(h, 1, {
      beforeStart: async (home) => {
        const policy = defaultFounderPolicy()
        policy.rateLimits.default = parseRate('1/min') ?? null
        await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
      }
    })
    beta = mesh.others[0] as MycelProcess
  })

  async function post (path: string, body: unknown): Promise<{ status: number, retryAfter: string | null, body: any }> {
    const res = await fetch(beta.api.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${beta.api.token}` }, body: JSON.stringify(body) })
    const text = await res.text()
    let parsed: unknown = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: parsed }
  }

  it('runs the first task, then refuses each door at once with its own 429', async () => {
    const client = new OpenAI({ baseURL: `${beta.api.url}/v1`, apiKey: beta.api.token, maxRetries: 0 })
    const first = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
    assert.ok(first.choices.length === 1)
    const chat = { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }
    const doors: Array<[string, unknown, (body: any) => void]> = [
      ['/v1/chat/completions', { ...chat, max_tokens: 2 }, b => { assert.equal(b.error.type, 'rate_limit_error') }],
      ['/v1/chat/completions', { ...chat, max_tokens: 2, stream: true }, b => { assert.equal(b.error.code, 'rate_limit_exceeded') }],
      ['/v1/completions', { model: MODEL, prompt: 'hi', max_tokens: 2 }, b => { assert.equal(b.error.type, 'rate_limit_error') }],
      ['/v1/responses', { model: MODEL, input: 'hi', max_output_tokens: 2 }, b => { assert.equal(b.error.type, 'rate_limit_error') }],
      ['/v1/responses', { model: MODEL, input: 'hi', max_output_tokens: 2, stream: true }, b => { assert.equal(b.error.type, 'rate_limit_error') }],
      ['/v1/messages', { ...chat, max_tokens: 2 }, b => { assert.deepEqual([b.type, b.error.type], ['error', 'rate_limit_error']) }],
      ['/api/chat', { ...chat, stream: false }, b => { assert.equal(typeof b.error, 'string') }],
      ['/api/generate', { model: MODEL, prompt: 'hi' }, b => { assert.equal(typeof b.error, 'string') }],
      ['/api/tasks', { kind: 'llm.chat', model: MODEL, input: { ...chat, maxTokens: 2 } }, b => { assert.equal(b.error.wire, 'busy') }]
    ]
    for (const [path, body, shape] of doors) {
      const res = await post(path, body)
      assert.equal(res.status, 429, `${path}: ${JSON.stringify(res.body)}`)
      const seconds = Number(res.retryAfter)
      assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `${path}: Retry-After ${res.retryAfter}`)
      shape(res.body)
    }
    await assert.rejects(client.responses.create({ model: MODEL, input: 'hi' }), OpenAI.RateLimitError)
  })
})
