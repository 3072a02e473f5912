/**
 * The task stream's contract on both sides: the server writes only events of
 * the declared shapes and answers a refusal before any output with its own
 * status (429 with Retry-After when busy); the client refuses any line off
 * the contract with a typed error.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiClient, ApiRequestError } from '../../node/api/client.ts'
import { MalformedApiResponseError } from '../../node/api/errors.ts'
import { parseTaskEvent, type TaskEvent } from '../../node/api/task-stream.ts'
import { ApiServer } from '../../node/api/server.ts'
import { registerTaskRoutes, type TaskRouteModules } from '../../node/api/task-routes.ts'
import { createLogger } from '../../node/logger.ts'
import { BusyError, TaskFailedError } from '../../node/tasks/errors.ts'
import type { RunResult, RunSpec } from '../../node/tasks/index.ts'

const TOKEN = 'b'.repeat(64)

async function collect (it: AsyncIterable<TaskEvent>): Promise<TaskEvent[]> {
  const out: TaskEvent[] = []
  for await (const e of it) out.push(e)
  return out
}

describe('task events: the client refuses lines off the contract', () => {
  let lines: string[] = []
  let server: Server
  let client: ApiClient

  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.end(lines.join('\n') + '\n')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, TOKEN)
  })
  after(async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) })

  it('parses well-formed events', async () => {
    lines = [
      JSON.stringify({ type: 'routed', taskId: 't1', executor: 'p1', attempt: 1 }),
      JSON.stringify({ type: 'text', text: 'hello' }),
      JSON.stringify({ type: 'result', taskId: 't1', executor: 'p1', output: 'hello', usage: { promptTokens: 1, completionTokens: 2 }, attempts: 1 })
    ]
    const events = await collect(client.runTask({ kind: 'echo', input: { prompt: 'hello' } }))
    assert.deepEqual(events.map(e => e.type), ['routed', 'text', 'result'])
  })

  const malformed: Array<[string, string]> = [
    ['not JSON', '{"type": "text", "text": '],
    ['an unknown type', JSON.stringify({ type: 'surprise' })],
    ['a missing field', JSON.stringify({ type: 'routed', taskId: 't1', executor: 'p1' })],
    ['a field of the wrong type', JSON.stringify({ type: 'text', text: 42 })],
    ['an unknown field', JSON.stringify({ type: 'reset', extra: true })],
    ['an error with an unknown code', JSON.stringify({ type: 'error', error: { code: 'x', wire: 'made-up', status: 500, message: 'm' } })],
    ['an array', '[1, 2]']
  ]
  for (const [what, line] of malformed) {
    it(`refuses a line with ${what}`, async () => {
      lines = [JSON.stringify({ type: 'text', text: 'ok' }), line]
      await assert.rejects(collect(client.runTask({ kind: 'echo', input: {} })), MalformedApiResponseError)
      assert.throws(() => parseTaskEvent(line), MalformedApiResponseError)
    })
  }
})

describe('task events: the server', () => {
  let behaviour: (spec: RunSpec) => Promise<RunResult>
  const modules: TaskRouteModules = {
    tasks: { run: async (spec) => await behaviour(spec), list: () => [], cancel: () => false },
    policy: { current: () => { throw new Error('not used') }, file: () => { throw new Error('not used') }, reload: async () => { throw new Error('not used') } },
    audit: { tail: async () => [], verify: async () => { throw new Error('not used') }, byTask: async () => [], verifyPeers: async () => { throw new Error('not used') } }
  }
  const api = new ApiServer({ token: TOKEN, logger: createLogger('test:api') })
  registerTaskRoutes(api, modules)
  let url = ''
  let client: ApiClient

  before(async () => {
    const bound = await api.listen('127.0.0.1', 0)
    url = `http://127.0.0.1:${bound.port}`
    client = new ApiClient(url, TOKEN)
  })
  after(async () => { await api.close() })

  it('streams routed, text and result lines in the declared shapes', async () => {
    behaviour = async (spec) => {
      spec.onEvent?.({ type: 'routed', taskId: 't1', executor: 'p1', attempt: 1 })
      spec.onEvent?.({ type: 'text', text: 'a' })
      spec.onEvent?.({ type: 'text', text: 'b' })
      return { taskId: 't1', executor: 'p1', output: 'ab', attempts: 1 }
    }
    const events = await collect(client.runTask({ kind: 'echo', input: { prompt: 'ab' } }))
    assert.deepEqual(events, [
      { type: 'routed', taskId: 't1', executor: 'p1', attempt: 1 },
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
      { type: 'result', taskId: 't1', executor: 'p1', output: 'ab', attempts: 1 }
    ])
  })

  it('busy before any output: 429 with Retry-After, and the client gets a typed busy error', async () => {
    behaviour = async (spec) => {
      spec.onEvent?.({ type: 'routed', taskId: 't2', executor: 'p1', attempt: 1 })
      throw new BusyError(2500)
    }
    const res = await fetch(`${url}/api/tasks`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'echo', input: {} }) })
    assert.equal(res.status, 429)
    assert.equal(res.headers.get('retry-after'), '3')
    const body = await res.json() as { error: { wire: string, retryAfterMs: number } }
    assert.deepEqual([body.error.wire, body.error.retryAfterMs], ['busy', 2500])
    await assert.rejects(collect(client.runTask({ kind: 'echo', input: {} })), (err: unknown) =>
      err instanceof ApiRequestError && err.status === 429 && err.code === 'busy' && err.retryAfterMs === 2500)
  })

  it('a task that routes and then waits still shows where it runs before any output', async () => {
    let seen!: () => void
    const shown = new Promise<void>(resolve => { seen = resolve })
    behaviour = async (spec) => {
      spec.onEvent?.({ type: 'routed', taskId: 't3', executor: 'p2', attempt: 1 })
      await shown // the client has read the routed line while no output exists yet
      return { taskId: 't3', executor: 'p2', output: 'late', attempts: 1 }
    }
    const events: TaskEvent[] = []
    for await (const e of client.runTask({ kind: 'echo', input: {} }, AbortSignal.timeout(20_000))) {
      events.push(e)
      if (e.type === 'routed') seen()
    }
    assert.deepEqual(events.map(e => e.type), ['routed', 'result'])
  })

  it('a failure after output is the last line, keeping the executor\'s reason', async () => {
    behaviour = async (spec) => {
      spec.onEvent?.({ type: 'text', text: 'partial' })
      throw new TaskFailedError('malformed', 'Executor failed the task: maxTokens above the limit of 512')
    }
    const events = await collect(client.runTask({ kind: 'echo', input: {} }))
    const last = events.at(-1)
    assert.equal(last?.type, 'error')
    assert.deepEqual(last?.type === 'error' ? [last.error.wire, last.error.status, last.error.message] : [], ['malformed', 400, 'Executor failed the task: maxTokens above the limit of 512'])
  })

  it('a bad request body is 400 naming the field', async () => {
    await assert.rejects(collect(client.runTask({ kind: '', input: {} })), (err: unknown) =>
      err instanceof ApiRequestError && err.status === 400 && err.code === 'malformed' && /kind/.test(err.message))
  })
})
