/**
 * MCP over streamable HTTP at `/mcp` on the node's HTTP server, with
 * sessions (`sessions.ts`, built in `http-sessions.ts`): POST carries
 * requests, GET opens the stream the server speaks first on (resource
 * updates, log messages), DELETE ends a session. The ApiServer has already
 * checked the bearer token (a 401 says `WWW-Authenticate: Bearer`), the Host
 * and the Origin, and parsed the bounded JSON body. The sessions, with the
 * MCP server SDK and zod, load on the first request: a node that is never
 * asked for MCP never loads them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import { HttpError } from '../api/errors.ts'
import { lazyModule } from '../lazy.ts'
import type { McpRouteModules } from './http-sessions.ts'
import type { McpSessions, McpSessionsInit } from './sessions.ts'

const loadMcpHttpSessions = lazyModule('@modelcontextprotocol/sdk', async () => await import('./http-sessions.ts'))

export function registerMcpRoute (api: ApiServer, modules: McpRouteModules, init: McpSessionsInit = {}): void {
  let sessions: McpSessions | undefined
  let closed = false
  api.onClose(async () => {
    closed = true
    await sessions?.closeAll()
  })
  const handle = async ({ req, res, body }: { req: IncomingMessage, res: ServerResponse, body: unknown }): Promise<typeof HANDLED> => {
    const { meshMcpSessions } = await loadMcpHttpSessions()
    if (closed) throw new HttpError('unavailable', 'The node is shutting down')
    sessions ??= meshMcpSessions(modules, init)
    await sessions.handle(req, res, body)
    return HANDLED
  }
  api.route('POST', '/mcp', handle)
  api.route('GET', '/mcp', handle)
  api.route('DELETE', '/mcp', handle)
}
