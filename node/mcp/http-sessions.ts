/**
 * The sessions behind `/mcp` (`http.ts`): each new session gets its own MCP
 * server over the node's tasks, memory and the mesh's tools. This file, and
 * with it the MCP server SDK and zod, loads on the first request to `/mcp`.
 */
import type { ApiModules } from '../api/modules.ts'
import { nodeAccess } from './access.ts'
import { nodeMemoryAccess } from './memory-access.ts'
import { createMcpServer } from './server.ts'
import { McpSessions, type McpSessionsInit } from './sessions.ts'
import { nodeToolAccess, registerMeshTools } from './mesh-tools.ts'
import { MCP_MESH_TOOLS_REFRESH_MS } from './constants.ts'

export type McpRouteModules = Pick<ApiModules, 'tasks' | 'node' | 'memory' | 'tools' | 'sessions'>

export function meshMcpSessions (modules: McpRouteModules, init: McpSessionsInit = {}): McpSessions {
  const mesh = nodeAccess(modules)
  const memory = nodeMemoryAccess(modules.memory)
  // a tool call ends with its session, and so at shutdown, not only when the client cancels it
  const meshTools = nodeToolAccess(modules.tools)
  return new McpSessions((sessionId, signal) => {
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
}
