/**
 * The MCP server over streamable HTTP at `/mcp` on the node's HTTP server,
 * driven by the SDK's own client with the node's token; requests without
 * the token, from a foreign Origin, or malformed, are refused and the
 * endpoint keeps serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh } from '../openai/mesh.ts'
import { checkDelegation, checkToolErrors, checkTools } from './tools.ts'
import { checkCompletion, checkLogging, checkOutputSchemas, checkPrompts, checkResources } from './features.ts'

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }

describe('MCP over streamable HTTP (/mcp)', { timeout: 300_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let client: Client

  function connect (token: string): { client: Client, transport: StreamableHTTPClientTransport } {
    const transport = new StreamableHTTPClientTransport(new URL(`${beta.api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } })
    return { client: new Client({ name: 'mycel-test', version: '0.0.0' }), transport }
  }

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    const c = connect(beta.api.token)
    client = c.client
    await client.connect(c.transport)
  })
  after(async () => { await client?.close() })

  /** A raw POST to /mcp with node:http (fetch would not send our Origin). */
  async function raw (body: string, headers: Record<string, string | undefined>, method = 'POST'): Promise<{ status: number, text: string, headers: Record<string, string | string[] | undefined> }> {
    return await new Promise((resolve, reject) => {
      const clean = Object.fromEntries(Object.entries({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${beta.api.token}`, ...headers }).filter(([, v]) => v != null)) as Record<string, string>
      const req = httpRequest(`${beta.api.url}/mcp`, { method, headers: clean }, res => {
        let text = ''
        res.setEncoding('utf8').on('data', (d: string) => { text += d }).on('end', () => { resolve({ status: res.statusCode ?? 0, text, headers: res.headers }) })
      })
      req.on('error', reject)
      req.end(body)
    })
  }

  it('lists the mesh tools and capabilities', async () => {
    assert.equal(client.getServerVersion()?.name, 'mycel')
    await checkTools(client, alpha, beta)
  })

  it('delegates tasks over the mesh', async () => {
    await checkDelegation(client, alpha)
  })

  it('declares output schemas for the structured results of its tools', async () => {
    await checkOutputSchemas(client)
  })

  it('serves memory collections and members as resources, and tells subscribers of changes', async () => {
    await checkResources(client, h, beta, 'handbook-http')
  })

  it('offers prompts over the mesh\'s models, collections and peers', async () => {
    await checkPrompts(client, alpha, 'handbook-http')
  })

  it('completes model, peer and collection names in prompt arguments and resource templates', async () => {
    await checkCompletion(client, 'handbook-http')
  })

  it('logs the tasks its tools run at the level the client sets, without their content', async () => {
    await checkLogging(client, alpha)
  })

  it('reports refusals as tool errors', async () => {
    await checkToolErrors(client)
  })

  it('refuses a missing or wrong token (401) and a foreign Origin (403), and keeps serving', async () => {
    const noToken = connect('')
    await assert.rejects(noToken.client.connect(noToken.transport), /401|nauthorized/)
    const wrong = connect('f'.repeat(64))
    await assert.rejects(wrong.client.connect(wrong.transport), /401|nauthorized/)
    // RFC 6750: the 401 names the scheme, and tells a wrong token from none
    const none = await raw(JSON.stringify(INIT), { authorization: undefined })
    assert.equal(none.status, 401)
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="mycel"')
    const bad = await raw(JSON.stringify(INIT), { authorization: 'Bearer nope' })
    assert.equal(bad.status, 401)
    assert.equal(bad.headers['www-authenticate'], 'Bearer realm="mycel", error="invalid_token"')
    assert.doesNotMatch(JSON.stringify(bad), /nope/)
    const foreign = await raw(JSON.stringify(INIT), { origin: 'https://evil.example' })
    assert.equal(foreign.status, 403)
    assert.equal(JSON.parse(foreign.text).error.code, 'forbidden_origin')
    assert.equal((await raw(JSON.stringify(INIT), { host: 'rebound.evil.example' })).status, 403)
    // a local page may call it
    assert.equal((await raw(JSON.stringify(INIT), { origin: 'http://localhost:5173' })).status, 200)
    const caps = await client.callTool({ name: 'mesh_capabilities', arguments: {} })
    assert.notEqual(caps.isError, true)
  })

  it('keeps a session per client until it is deleted', async () => {
    const c = connect(beta.api.token)
    await c.client.connect(c.transport)
    const id = c.transport.sessionId
    assert.ok(id != null && id !== client.getServerVersion()?.name)
    await c.client.callTool({ name: 'mesh_capabilities', arguments: {} })
    await c.transport.terminateSession()
    const gone = await raw(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }), { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' })
    assert.equal(gone.status, 404)
    await c.client.close()
    // other sessions are untouched
    assert.deepEqual(await client.ping(), {})
  })

  it('answers malformed requests with an error status, GET without a session with 400, and keeps serving', async () => {
    assert.equal((await raw('{"jsonrpc": "2.0", "id": 1, "method": ', {})).status, 400)
    assert.equal((await raw('', {})).status, 400)
    assert.ok((await raw(JSON.stringify({ hello: 'world' }), {})).status >= 400)
    assert.equal((await raw(JSON.stringify(INIT), { accept: 'text/html' })).status, 406)
    assert.equal((await raw('', {}, 'GET')).status, 400)
    assert.equal((await raw('', { 'mcp-session-id': 'no-such-session' }, 'GET')).status, 404)
    // a request before initialize has no session to go to
    assert.equal((await raw(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), {})).status, 400)
    assert.equal((await raw('x'.repeat(2 * 1024 * 1024), {})).status, 413)
    const caps = await client.callTool({ name: 'mesh_capabilities', arguments: {} })
    assert.notEqual(caps.isError, true)
  })
})
