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
import { nodeToolAccess, registerMeshTools } from './mesh-tools.ts'
import { MCP_MESH_TOOLS_REFRESH_MS } from './constants.ts'

export function registerMcpRoute (api: ApiServer, modules: Pick<ApiModules, 'tasks' | 'node' | 'memory' | 'tools' | 'sessions'>, init: McpSessionsInit = {}): void {
  const mesh = nodeAccess(modules)
  const memory = nodeMemoryAccess(modules.memory)
  // a tool call ends with its session, and so at shutdown, not only when the client cancels it
  const meshTools = nodeToolAccess(modules.tools)
  const sessions = new McpSessions((sessionId, signal) => {
    const server = createMcpServer({
      capabilities: mesh.capabilities,
      run: async (task, opts = {}) => await mesh.run(task, { ...opts, signal: opts.signal != null ? AbortSignal.any([opts.signal, signal]) : signal }),
      searchMesh: async (query, opts) => await mesh.searchMesh(query, { ...opts, signal: opts.signal != null ? AbortSignal.any([opts.signal, signal]) : signal })
    }, { memory, sessionId })
    // the mesh's tools: listed at once (in process, before the session's next request), then again now and then
    const door = registerMeshTools(server, { ...meshTools, call: async (tool, args, s) => await meshTools.call(tool, args, s != null ? AbortSignal.any([s, signal]) : signal) }, { refreshMs: MCP_MESH_TOOLS_REFRESH_MS })
    signal.addEventListener('abort', () => { door.stop() }, { once: true })
    return server
  }, init)
  api.onClose(async () => { await sessions.closeAll() })
  const handle = async ({ req, res, body }: { req: Parameters<typeof sessions.handle>[0], res: Parameters<typeof sessions.handle>[1], body: unknown }): Promise<typeof HANDLED> => {
    await sessions.handle(req, res, body)
    return HANDLED
  }
  api.route('POST', '/mcp', handle)
  api.route('GET', '/mcp', handle)
  api.route('DELETE', '/mcp', handle)
}
