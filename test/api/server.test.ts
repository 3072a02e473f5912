/**
 * The HTTP server on its own, with a real client: nothing is decoded before
 * the token check (a malformed path is 401 without the token, 400 with it),
 * and `close()` ends what is open: an NDJSON task stream and an OpenAI SSE
 * stream each get a last error line in their own format, a body still
 * trickling in is cut off, and close() resolves without waiting on clients.
 */
import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { ApiServer } from '../../node/api/server.ts'
import { registerTaskRoutes, type TaskRouteModules } from '../../node/api/task-routes.ts'
import { apiErrorBody, registerOpenAiRoutes, type OpenAiModules } from '../../node/openai/index.ts'
import { createLogger } from '../../node/logger.ts'
import type { RunResult, RunSpec } from '../../node/tasks/index.ts'

const TOKEN = 'c'.repeat(64)

/** A task that streams one piece of text, then runs until its signal aborts. */
async function endless (spec: RunSpec): Promise<RunResult> {
  spec.onEvent?.({ type: 'routed', taskId: 'a'.repeat(32), executor: 'p1', attempt: 1 })
  spec.onEvent?.({ type: 'text', text: 'first ' })
  return await new Promise((_resolve, reject) => {
    spec.signal?.addEventListener('abort', () => { reject(spec.signal?.reason) }, { once: true })
  })
}

function server (): ApiServer {
  const modules: TaskRouteModules & OpenAiModules = {
    tasks: { run: endless, list: () => [], cancel: () => false },
    policy: { current: () => { throw new Error('not used') }, file: () => { throw new Error('not used') }, reload: async () => { throw new Error('not used') } },
    audit: { tail: async () => [], verify: async () => { throw new Error('not used') }, byTask: async () => [], verifyPeers: async () => { throw new Error('not used') } },
    node: { caps: () => [{ peerId: 'p1', name: 'alpha', models: [{ name: 'm' }] }] },
    sessions: { turn: async () => { throw new Error('not used') } }
  }
  const api = new ApiServer({ token: TOKEN, logger: createLogger('test:api'), errorBody: apiErrorBody })
  registerTaskRoutes(api, modules)
  registerOpenAiRoutes(api, modules)
  return api
}

interface Open { req: ClientRequest, res: Promise<IncomingMessage>, text: () => string, ended: Promise<void> }

/** A request whose response is read as it comes; `body` is written, and the request left open unless `end`. */
function open (port: number, method: string, path: string, body: string | undefined, opts: { end?: boolean, length?: number, token?: boolean } = {}): Open {
  let text = ''
  let ended!: () => void
  const endedP = new Promise<void>(resolve => { ended = resolve })
  const headers: Record<string, string | number> = { 'content-type': 'application/json' }
  if (opts.token !== false) headers.authorization = `Bearer ${TOKEN}`
  if (opts.length != null) headers['content-length'] = opts.length
  const req = request({ host: '127.0.0.1', port, method, path, headers })
  const res = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (r) => {
      r.setEncoding('utf8')
      r.on('data', (d: string) => { text += d })
      r.on('end', ended)
      r.on('close', ended)
      r.on('error', () => { ended() })
      resolve(r)
    })
    req.on('error', (err) => { ended(); reject(err) })
  })
  res.catch(() => {})
  if (body != null) req.write(body)
  if (opts.end !== false) req.end()
  return { req, res, text: () => text, ended: endedP }
}

async function until (check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

describe('ApiServer', () => {
  let api: ApiServer | undefined
  afterEach(async () => { api?.closeAll(); await api?.close() })

  it('a malformed percent-encoding in a path is 401 without the token, 400 with it', async () => {
    api = server()
    const { port } = await api.listen('127.0.0.1', 0)
    const get = async (token: boolean): Promise<{ status: number, body: any }> => {
      const o = open(port, 'GET', '/v1/models/%E0%A4%A', undefined, { token })
      const res = await o.res
      await o.ended
      return { status: res.statusCode ?? 0, body: JSON.parse(o.text()) }
    }
    const outsider = await get(false)
    assert.equal(outsider.status, 401)
    assert.equal(outsider.body.error.code, 'invalid_api_key')
    const member = await get(true)
    assert.equal(member.status, 400)
    assert.equal(member.body.error.code, 'invalid_request')
    const cancel = open(port, 'POST', '/api/tasks/%zz/cancel', '{}', { token: false })
    assert.equal((await cancel.res).statusCode, 401)
  })

  it('close() ends open streams with a last error line in their own format, cuts a trickling body, and resolves', async () => {
    api = server()
    const { port } = await api.listen('127.0.0.1', 0)
    const task = open(port, 'POST', '/api/tasks', JSON.stringify({ kind: 'echo', input: { prompt: 'x' } }))
    const sse = open(port, 'POST', '/v1/completions', JSON.stringify({ model: 'm', prompt: 'x', stream: true }))
    // a body that promises 1000 bytes and sends 10
    const slow = open(port, 'POST', '/api/tasks', '{"kind": "', { end: false, length: 1000 })
    await until(() => task.text().includes('first') && sse.text().includes('first'), 'both streams to start')

    await api.close()
    await Promise.all([task.ended, sse.ended, slow.ended])

    const lines = task.text().trim().split('\n').map(l => JSON.parse(l))
    assert.deepEqual(lines.map(l => l.type), ['routed', 'text', 'error'])
    assert.equal(lines.at(-1).error.wire, 'unavailable')
    assert.equal(lines.at(-1).error.message, 'The node is shutting down')

    const events = sse.text().trim().split('\n\n').map(e => e.replace(/^data: /, ''))
    assert.equal(JSON.parse(events[0] as string).choices[0].text, 'first ')
    const last = JSON.parse(events.at(-1) as string)
    assert.equal(last.error.code, 'unavailable')
    assert.equal(last.error.type, 'server_error')

    const res = await slow.res.catch(() => undefined)
    assert.equal(res?.statusCode, 503, 'the slow body is answered 503 and its connection closed')
    slow.req.destroy()
  })

  it('close() resolves even when a client never reads', async () => {
    api = server()
    const { port } = await api.listen('127.0.0.1', 0)
    const task = open(port, 'POST', '/api/tasks', JSON.stringify({ kind: 'echo', input: { prompt: 'x' } }))
    const res = await task.res
    res.pause()
    await api.close()
    await api.close() // twice is harmless
    task.req.destroy()
  })
})
