/**
 * Sessions on a real node with the generated tiny model (a 512-token
 * window): history survives a restart and reaches the next turn's prompt,
 * a long session is summarised and recalls an early fact, `mycel chat`
 * streams turns from a pipe, and bad ids are refused with the node still
 * serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import OpenAI from 'openai'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { CLI_BIN, childEnv, harness, REPO_ROOT, type MycelProcess } from '../helpers/harness.ts'

const MODEL = 'tiny'
const OTHER = '12D3KooWQm5nS3pBQ2a7Yx4Lr9c1bVnF6e8D2hJkLmNoPqRsTuVw'

interface Shown {
  id: string
  dataClass: string
  turns: number
  history: Array<{ seq: number, role: string, content: string }>
  summary: { text: string, upTo: number } | null
  lastContext: { messages: Array<{ role: string, content: string }>, promptTokens?: number, summarized: boolean, recalled: Array<{ seq: number }> } | null
}

describe('sessions on a node', { timeout: 300_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess

  before(async () => {
    const dir = await h.tempDir('mycel-sessions-')
    const modelPath = join(dir, 'tiny.gguf')
    const [home] = await Promise.all([h.found('acme', 'alpha'), makeTestModel({ out: modelPath, size: 'tiny', seed: 42 })])
    await h.ok(home, ['models', 'add', modelPath, '--name', MODEL])
    alpha = await h.start(home)
  })

  const run = async (session: string, prompt: string): Promise<{ session: string, output: string, usage: { promptTokens: number } }> =>
    (await h.ok(alpha.home, ['run', '--session', session, '--max-tokens', '6', '--json', prompt])).json()
  /** A turn through the control API (no CLI process per turn): the result line. */
  const turn = async (session: string, prompt: string): Promise<{ session: string, output: string, usage: { promptTokens: number } }> => {
    const res = await fetch(`${alpha.api.url}/api/sessions/turns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alpha.api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session, maxTokens: 6, messages: [{ role: 'user', content: prompt }] })
    })
    const lines = (await res.text()).trim().split('\n').map(l => JSON.parse(l) as { type: string })
    const result = lines.find(l => l.type === 'result')
    assert.ok(result != null, JSON.stringify(lines.at(-1)))
    return result as unknown as { session: string, output: string, usage: { promptTokens: number } }
  }
  const show = async (session: string): Promise<Shown> => (await h.ok(alpha.home, ['sessions', 'show', session, '--json'])).json()

  it('survives a restart; the second turn is given the first', async () => {
    const first = await run('notes', 'My name is Ada.')
    assert.equal(first.session, `${alpha.peerId}/notes`)
    await alpha.restart()
    // the qualified id works on the node that holds it
    const second = await run(`${alpha.peerId}/notes`, 'What is my name?')
    const shown = await show('notes')
    assert.deepEqual(shown.history.map(t => `${t.role}:${t.content}`), ['user:My name is Ada.', `assistant:${first.output}`, 'user:What is my name?', `assistant:${second.output}`])
    assert.equal(shown.dataClass, 'local-only')
    assert.deepEqual(shown.lastContext?.messages.filter(m => m.role !== 'system').map(m => m.content), ['My name is Ada.', first.output, 'What is my name?'])
    // the model really read the history: the same question without a session is a shorter prompt
    const plain = (await h.ok(alpha.home, ['run', '--local', '--kind', 'llm.chat', '--max-tokens', '6', '--json', 'What is my name?'])).json<{ usage: { promptTokens: number } }>()
    assert.ok(second.usage.promptTokens > plain.usage.promptTokens + 'My name is Ada.'.length, `${second.usage.promptTokens} vs ${plain.usage.promptTokens}`)
    await turn('fresh', 'Hello')
    assert.equal(shown.lastContext?.promptTokens, second.usage.promptTokens)
    const ls = (await h.ok(alpha.home, ['sessions', 'ls', '--json'])).json<Array<{ name: string }>>()
    assert.deepEqual(ls.map(s => s.name), ['fresh', 'notes'])
  })

  it('a session longer than the window gets a summary and recalls an early fact', async () => {
    await turn('long', 'The vault code is 7481 zebra.')
    for (let i = 0; i < 8; i++) await turn('long', `Filler message number ${i} about the weather, the sea, the hills and the long road home.`)
    const last = await turn('long', 'What is the vault code?')
    const shown = await show('long')
    assert.ok(shown.summary != null, 'summarised')
    assert.ok(shown.summary.upTo > 0)
    assert.ok(last.usage.promptTokens < 512, `prompt ${last.usage.promptTokens} fits the window`)
    const context = shown.lastContext?.messages ?? []
    assert.ok(!context.some(m => m.content === 'The vault code is 7481 zebra.'), 'no longer verbatim')
    assert.ok(context.some(m => m.role === 'system' && m.content.includes('Relevant earlier conversation') && m.content.includes('7481 zebra')), 'recalled into the prompt')
    assert.ok(shown.lastContext?.recalled.some(r => r.seq === 0))
    const hits = (await h.ok(alpha.home, ['sessions', 'search', '--session', 'long', '--json', 'vault code'])).json<Array<{ seq: number, text: string }>>()
    assert.ok(hits.some(x => x.seq === 0 && x.text === 'The vault code is 7481 zebra.'))
  })

  it('an OpenAI client continues a session with X-Mycel-Session or metadata.session, sending only the new message', async () => {
    const client = new OpenAI({ baseURL: `${alpha.api.url}/v1`, apiKey: alpha.api.token, maxRetries: 0, timeout: 60_000 })
    const first = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Remember: the boat is red.' }], max_tokens: 6 }, { headers: { 'X-Mycel-Session': 'oa' } })
    const said = first.choices[0]?.message.content ?? ''
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'What colour is the boat?' }], max_tokens: 6, stream: true, metadata: { session: 'oa' } })
    let streamed = ''
    for await (const c of stream) streamed += c.choices[0]?.delta?.content ?? ''
    const shown = await show('oa')
    assert.deepEqual(shown.history.map(t => t.content), ['Remember: the boat is red.', said, 'What colour is the boat?', streamed])
    // (recalled turns of other sessions come first, as system text)
    assert.deepEqual(shown.lastContext?.messages.filter(m => m.role !== 'system').map(m => m.content), ['Remember: the boat is red.', said, 'What colour is the boat?'])
    const foreign = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }, { headers: { 'X-Mycel-Session': `${OTHER}/oa` } }).catch((err: unknown) => err)
    assert.ok(foreign instanceof OpenAI.PermissionDeniedError, String(foreign))
    const bad = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }, { headers: { 'X-Mycel-Session': 'no spaces' } }).catch((err: unknown) => err)
    assert.ok(bad instanceof OpenAI.BadRequestError, String(bad))
    assert.equal((await show('oa')).turns, 4, 'refused turns kept nothing')
  })

  it('mycel chat runs each line as a turn of the session', async () => {
    const child = spawn(process.execPath, [CLI_BIN, '--home', alpha.home, 'chat', '--session', 'piped', '--max-tokens', '4'], { cwd: REPO_ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.stdin.end('first line\nsecond line\n')
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
    const code = await new Promise<number | null>((resolve) => { child.once('close', resolve) })
    clearTimeout(timer)
    assert.equal(code, 0, stderr)
    const shown = await show('piped')
    assert.deepEqual(shown.history.filter(t => t.role === 'user').map(t => t.content), ['first line', 'second line'])
    const replies = shown.history.filter(t => t.role === 'assistant').map(t => t.content)
    assert.equal(stdout, replies.map(r => r + '\n').join(''))
  })

  it('refuses another node\'s session, a bad id and an unknown session; the node keeps serving', async () => {
    const foreign = await h.cli(alpha.home, ['run', '--session', `${OTHER}/notes`, 'hi'])
    assert.equal(foreign.code, 1)
    assert.match(foreign.stderr, /belongs to node 12D3KooWQm5n/)
    const bad = await h.cli(alpha.home, ['run', '--session', '../etc', 'hi'])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /session id is 1-64 characters/)
    const unknown = await h.cli(alpha.home, ['sessions', 'show', 'nope'])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /No session with that id/)
    const rmUnknown = await alpha.request('DELETE', '/api/sessions/nope')
    assert.equal(rmUnknown.status, 404)
    const foreignShow = await alpha.request('GET', `/api/sessions/${encodeURIComponent(`${OTHER}/notes`)}`)
    assert.equal(foreignShow.status, 403)
    await h.ok(alpha.home, ['sessions', 'rm', 'fresh'])
    assert.ok(!(await h.ok(alpha.home, ['sessions', 'ls', '--json'])).json<Array<{ name: string }>>().some(s => s.name === 'fresh'))
    assert.equal((await turn('notes', 'still here?')).session, `${alpha.peerId}/notes`)
  })
})
