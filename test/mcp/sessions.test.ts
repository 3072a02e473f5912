/**
 * Sessions of `/mcp` on a real HTTP server with the SDK's client, over stub
 * modules (one component): their number is bounded, an idle one expires,
 * and a session that ends stops the tasks its tool calls started.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ApiServer } from '../../node/api/server.ts'
import { registerMcpRoute } from '../../node/mcp/http.ts'
import { createLogger } from '../../node/logger.ts'
import type { ApiModules } from '../../node/api/modules.ts'
import type { RunResult, RunSpec } from '../../node/tasks/index.ts'
import { waitFor } from '../helpers/wait.ts'

const TOKEN = 'd'.repeat(64)

describe('MCP sessions at /mcp', { timeout: 60_000 }, () => {
  const started: string[] = []
  const aborted: string[] = []
  const modules = {
    // a task that runs until its signal aborts
    tasks: {
      run: async (spec: RunSpec): Promise<RunResult> => await new Promise((_resolve, reject) => {
        started.push(String(spec.input.prompt))
        spec.signal?.addEventListener('abort', () => { aborted.push(String(spec.input.prompt)); reject(spec.signal?.reason) }, { once: true })
      })
    },
    node: { caps: () => [{ peerId: 'p1', name: 'alpha', models: [], collections: [] }] },
    memory: { store: () => undefined, classOf: () => 'internal' as const },
    tools: { list: () => [], call: async () => { throw new Error('no tools here') } },
    sessions: { turn: async () => { throw new Error('no chat sessions here') } }
  } as unknown as Pick<ApiModules, 'tasks' | 'node' | 'memory' | 'tools' | 'sessions'>
  const api = new ApiServer({ token: TOKEN, logger: createLogger('test:mcp') })
  registerMcpRoute(api, modules, { maxSessions: 2, idleMs: 300 })
  let url = ''
  const clients: Client[] = []
  after(async () => {
    await Promise.all(clients.map(async c => { await c.close().catch(() => {}) }))
    await api.close()
  })

  async function open (): Promise<{ client: Client, transport: StreamableHTTPClientTransport }> {
    if (url === '') url = `http://127.0.0.1:${(await api.listen('127.0.0.1', 0)).port}/mcp`
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } })
    const client = new Client({ name: 'sessions-test', version: '0.0.0' })
    clients.push(client)
    await client.connect(transport)
    return { client, transport }
  }

  it('refuses a session beyond the bound until one ends', async () => {
    const a = await open()
    await open()
    await assert.rejects(open(), /503|Too many open MCP sessions/)
    await a.transport.terminateSession()
    const c = await open()
    assert.deepEqual(await c.client.ping(), {})
    await Promise.all(clients.splice(0).map(async x => { await (x.transport as StreamableHTTPClientTransport | undefined)?.terminateSession().catch(() => {}); await x.close() }))
  })

  it('stops the tasks of a session that ends', async () => {
    const { transport, client } = await open()
    const call = client.callTool({ name: 'delegate_task', arguments: { kind: 'echo', prompt: 'long job' } })
    await waitFor(() => started.includes('long job'), { what: 'the task to start' })
    await transport.terminateSession()
    await waitFor(() => aborted.includes('long job'), { what: 'the task to be aborted' })
    await client.close()
    await call.catch(() => {})
  })

  it('closes a session left idle', async () => {
    const { transport } = await open()
    const id = transport.sessionId
    // no request and no open stream: the sweep closes it, and its id is unknown after
    await transport.close()
    await waitFor(async () => {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': String(id), 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }) })
      await res.body?.cancel()
      return res.status === 404
    // each look is a request, which makes the session busy again: look less often than it idles out
    }, { what: 'the idle session to be closed', timeoutMs: 10_000, intervalMs: 1000 })
  })
})
