/**
 * MCP over streamable HTTP at `/mcp` on the node's HTTP server, stateless:
 * each POST gets a fresh server and transport (the SDK's stateless pattern),
 * so nothing is kept between requests and nothing leaks when a client goes
 * away. The ApiServer has already checked the bearer token, the Host and the
 * Origin, and parsed the bounded JSON body. GET and DELETE (server-initiated
 * streams, session teardown) have no meaning without sessions: 405.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import { HttpError } from '../api/errors.ts'
import type { ApiModules } from '../api/modules.ts'
import { nodeAccess } from './access.ts'
import { createMcpServer } from './server.ts'

export function registerMcpRoute (api: ApiServer, modules: Pick<ApiModules, 'tasks' | 'node'>): void {
  const mesh = nodeAccess(modules)
  api.route('POST', '/mcp', async ({ req, res, body, signal }) => {
    if (body === undefined) throw new HttpError('malformed', 'Expected a JSON-RPC message')
    // a tool call ends with the request, and so at shutdown, not only when the client goes away
    const server = createMcpServer({
      capabilities: mesh.capabilities,
      run: async (task, opts = {}) => await mesh.run(task, { ...opts, signal: opts.signal != null ? AbortSignal.any([opts.signal, signal]) : signal })
    })
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => { void transport.close(); void server.close() })
    await server.connect(transport)
    await transport.handleRequest(req, res, body)
    return HANDLED
  })
  const noSessions = async (): Promise<never> => { throw new HttpError('method-not-allowed', 'This MCP endpoint is stateless: POST only', { allow: 'POST' }) }
  api.route('GET', '/mcp', noSessions)
  api.route('DELETE', '/mcp', noSessions)
}
