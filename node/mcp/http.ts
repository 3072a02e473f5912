/**
 * MCP over streamable HTTP at `/mcp` on the node's HTTP server, with
 * sessions (`sessions.ts`): POST carries requests, GET opens the stream the
 * server speaks first on (resource updates, log messages), DELETE ends a
 * session. The ApiServer has already checked the bearer token (a 401 says
 * `WWW-Authenticate: Bearer`), the Host and the Origin, and parsed the
 * bounded JSON body.
 */
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import type { ApiModules } from '../api/modules.ts'
import { nodeAccess } from './access.ts'
import { nodeMemoryAccess } from './memory-access.ts'
import { createMcpServer } from './server.ts'
import { McpSessions, type McpSessionsInit } from './sessions.ts'

export function registerMcpRoute (api: ApiServer, modules: Pick<ApiModules, 'tasks' | 'node' | 'memory'>, init: McpSessionsInit = {}): void {
  const mesh = nodeAccess(modules)
  const memory = nodeMemoryAccess(modules.memory)
  // a tool call ends with its session, and so at shutdown, not only when the client cancels it
  const sessions = new McpSessions((sessionId, signal) => createMcpServer({
    capabilities: mesh.capabilities,
    run: async (task, opts = {}) => await mesh.run(task, { ...opts, signal: opts.signal != null ? AbortSignal.any([opts.signal, signal]) : signal })
  }, { memory, sessionId }), init)
  api.onClose(async () => { await sessions.closeAll() })
  const handle = async ({ req, res, body }: { req: Parameters<typeof sessions.handle>[0], res: Parameters<typeof sessions.handle>[1], body: unknown }): Promise<typeof HANDLED> => {
    await sessions.handle(req, res, body)
    return HANDLED
  }
  api.route('POST', '/mcp', handle)
  api.route('GET', '/mcp', handle)
  api.route('DELETE', '/mcp', handle)
}
