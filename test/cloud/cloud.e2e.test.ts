/**
 * The cloud fallback between real node processes. `outside` is a Mycel node
 * of another org serving the generated model on its OpenAI API; its API
 * token is the key. `alpha` (org acme, no model, no members who have one)
 * may send `public` `llm.chat` there by its policy: a public task goes out
 * and answers what `outside` answers itself, an internal one is refused and
 * audited, the key is nowhere in alpha's logs, audit or errors, and an
 * endpoint that answers 500, hangs or streams garbage gets a clear error
 * while alpha keeps serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { badEndpoint, type BadEndpoint } from './bad-endpoint.ts'

const MODEL = 'tiny'
const PASSPHRASE = 'correct horse battery staple'

describe('cloud fallback to an OpenAI-compatible endpoint outside the org', { timeout: 300_000 }, () => {
  const h = harness({ after })
  const env = { MYCEL_PASSPHRASE: PASSPHRASE }
  let outside: MycelProcess
  let alpha: MycelProcess
  let key: string
  let endpoint: string
  let bad: BadEndpoint
  let client: OpenAI
  const errors: string[] = []

  const writePolicy = async (url: string): Promise<void> => {
    const policy = JSON.parse(formatPolicy(defaultFounderPolicy())) as Record<string, unknown>
    policy.cloudFallback = { enabled: true, endpoint: url, kinds: ['llm.chat'], classes: ['public'] }
    await writeFile(join(alpha.home, 'policy.json'), JSON.stringify(policy, null, 2))
  }
  const audit = async (): Promise<Array<{ type: string, task?: string, data?: Record<string, unknown> }>> => await alpha.get('/api/audit/tail?n=200')
  const ask = async (model: string, headers: Record<string, string> = { 'X-Mycel-Class': 'public' }): Promise<unknown> =>
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello cloud' }], max_tokens: 12, temperature: 0 }, { headers }).catch((err: unknown) => err)

  before(async () => {
    const dir = await h.tempDir('mycel-cloud-')
    const modelPath = join(dir, 'tiny.gguf')
    const [outsideHome] = await Promise.all([h.found('elsewhere', 'outside'), makeTestModel({ out: modelPath, size: 'tiny', seed: 42 })])
    await h.ok(outsideHome, ['models', 'add', modelPath, '--name', MODEL])
    outside = await h.start(outsideHome)
    key = outside.api.token
    endpoint = `${outside.api.url}/v1`
    bad = await badEndpoint()

    const alphaHome = await h.newHome('alpha')
    await h.ok(alphaHome, ['init', '--name', 'alpha'], { env })
    await h.ok(alphaHome, ['org', 'create', 'acme'], { env })
    const keyFile = join(dir, 'key')
    await writeFile(keyFile, key + '\n', { mode: 0o644 })
    const loose = await h.cli(alphaHome, ['cloud', 'set', endpoint, '--key-file', keyFile, '--model', `${MODEL}=${MODEL}`], { env })
    assert.equal(loose.code, 1)
    assert.match(loose.stderr, /readable by others \(mode 644\); chmod 600 it first/)
    await chmod(keyFile, 0o600)
    const set = await h.ok(alphaHome, ['cloud', 'set', endpoint, '--key-file', keyFile, '--model', `${MODEL}=${MODEL}`, '--timeout', '3s'], { env })
    assert.match(set.stdout, /sealed with MYCEL_PASSPHRASE/)
    alpha = await h.start(alphaHome, { env: { ...env, DEBUG: 'mycel:*' } })
    await writePolicy(endpoint)
    await h.ok(alphaHome, ['policy', 'reload'])
    client = new OpenAI({ baseURL: `${alpha.api.url}/v1`, apiKey: alpha.api.token, maxRetries: 0, timeout: 60_000 })
  })

  after(async () => { await bad?.close() })

  it('sends a public task no member can serve to the endpoint, audited with digests', async () => {
    const res = await ask(MODEL) as OpenAI.ChatCompletion
    assert.ok(!(res instanceof Error), String(res))
    const text = res.choices[0]?.message.content ?? ''
    assert.ok(text.length > 0)
    // greedy decoding: the same request on outside's own API gives the same bytes
    const direct = new OpenAI({ baseURL: endpoint, apiKey: key, maxRetries: 0 })
    const again = await direct.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello cloud' }], max_tokens: 12, temperature: 0 })
    assert.equal(again.choices[0]?.message.content, text)
    const tasks = await alpha.get<Array<{ role: string, executor: string, state: string }>>('/api/tasks')
    assert.equal(tasks.find(t => t.role === 'delegator')?.executor, 'cloud')
    const entries = await audit()
    const sent = entries.find(e => e.type === 'cloud.sent')
    assert.equal(sent?.data?.endpoint, endpoint)
    assert.equal(sent?.data?.dataClass, 'public')
    assert.equal(sent?.data?.remoteModel, MODEL)
    assert.match(String(sent?.data?.input), /^[0-9a-f]{64}$/)
    const result = entries.find(e => e.type === 'cloud.result' && e.task === sent?.task)
    assert.equal(result?.data?.state, 'completed')
    assert.match(String(result?.data?.output), /^[0-9a-f]{64}$/)
  })

  it('streams a public task from the endpoint', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello cloud' }], max_tokens: 12, temperature: 0, stream: true }, { headers: { 'X-Mycel-Class': 'public' } })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    const direct = await new OpenAI({ baseURL: endpoint, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello cloud' }], max_tokens: 12, temperature: 0 })
    assert.equal(text, direct.choices[0]?.message.content)
  })

  it('refuses an internal task and audits the refusal', async () => {
    const before = (await audit()).filter(e => e.type === 'cloud.sent').length
    const err = await ask(MODEL, { 'X-Mycel-Class': 'internal' })
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err))
    assert.match(err.message, /Not sent to the cloud: internal data may not leave the org/)
    errors.push(err.message)
    const entries = await audit()
    const refused = entries.find(e => e.type === 'cloud.refused')
    assert.equal(refused?.data?.dataClass, 'internal')
    assert.equal(refused?.data?.endpoint, endpoint)
    assert.equal(refused?.data?.rule, 'cloud-fallback')
    assert.equal(entries.filter(e => e.type === 'cloud.sent').length, before, 'nothing was sent')
  })

  it('refuses an endpoint the policy does not name, and a model that is not mapped', async () => {
    const missing = await h.cli(alpha.home, ['cloud', 'set', bad.url, '--key-file', join(alpha.home, 'nope'), '--model', 'x=y'], { env })
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /No key file at /)
    const keyFile = join(await h.tempDir('mycel-cloud-key-'), 'key')
    await writeFile(keyFile, key, { mode: 0o600 })
    await h.ok(alpha.home, ['cloud', 'set', bad.url, '--key-file', keyFile, '--model', 'five=five', '--model', 'slow=slow', '--model', 'garbage=garbage', '--model', 'junk=junk', '--timeout', '2s'], { env })
    const err = await ask('five')
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err))
    assert.match(err.message, new RegExp(`the policy allows the endpoint ${endpoint}, not ${bad.url}`))
    const unmapped = await ask('nobody-has-this')
    assert.ok(unmapped instanceof OpenAI.NotFoundError, String(unmapped))
    await writePolicy(bad.url)
    await h.ok(alpha.home, ['policy', 'reload'])
  })

  it('gives a clear error for an endpoint answering 500, hanging or streaming garbage, and keeps serving', async () => {
    const five = await ask('five')
    assert.ok(five instanceof OpenAI.APIError && five.status === 503, String(five))
    assert.match(five.message, new RegExp(`The cloud endpoint ${bad.url} answered HTTP 500`))
    const slow = await ask('slow')
    assert.ok(slow instanceof OpenAI.APIError && slow.status === 504, String(slow))
    assert.match(slow.message, /did not answer within 2000 ms/)
    const garbage = await ask('garbage')
    assert.ok(garbage instanceof OpenAI.APIError && garbage.status === 503, String(garbage))
    assert.match(garbage.message, /sent a reply that is not an OpenAI stream/)
    const junk = await ask('junk')
    assert.ok(junk instanceof OpenAI.APIError && junk.status === 503, String(junk))
    assert.match(junk.message, /streamed a chunk that is not an OpenAI completion chunk/)
    errors.push(five.message, slow.message, garbage.message, junk.message)
    const failures = (await audit()).filter(e => e.type === 'cloud.result' && e.data?.state === 'failed').map(e => e.data?.failure)
    assert.deepEqual(failures.slice(0, 4).sort(), ['malformed', 'malformed', 'status', 'timeout'])
    assert.equal((await alpha.status()).peerId, alpha.peerId)
    assert.ok(alpha.running)
  })

  it('never shows the key: not in a log, an audit entry, an error or a home file', async () => {
    assert.ok(alpha.stderr.includes('mycel:node:cloud'), 'debug logging was on')
    assert.ok(!alpha.stdout.includes(key) && !alpha.stderr.includes(key), 'not in the logs')
    assert.ok(!JSON.stringify(await audit()).includes(key), 'not in the audit log')
    for (const e of errors) assert.ok(!e.includes(key), `not in the error ${e}`)
    const show = await h.ok(alpha.home, ['cloud', 'show', '--json'])
    assert.ok(!show.stdout.includes(key))
    for (const name of await readdir(alpha.home, { recursive: true })) {
      const bytes = await readFile(join(alpha.home, name)).catch(() => null)
      if (bytes != null) assert.ok(!bytes.includes(key), `not in clear in ${name}`)
    }
  })
})
