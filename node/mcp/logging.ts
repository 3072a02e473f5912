/**
 * MCP logging (https://modelcontextprotocol.io/specification/2025-06-18/server/utilities/logging):
 * the server declares `logging`, so the SDK answers `logging/setLevel` and
 * drops messages below the level a client chose; this module says what a
 * client hears as `notifications/message`: each task a tool runs on the mesh,
 * where it ran, how long it took, and why it failed. Never the prompt, the
 * output or a token, the same rule as the audit log.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js'
import { MeshTaskError, type MeshAccess } from './access.ts'

/** Name of the logger in `notifications/message`. */
export const MCP_LOGGER = 'mycel'

export type McpLog = (level: LoggingLevel, data: Record<string, unknown>) => void

/** Sends log messages to the client of `server`; `sessionId` is the HTTP session (the SDK keeps each session's level). */
export function mcpLog (server: McpServer, sessionId?: string): McpLog {
  return (level, data) => {
    if (!server.isConnected()) return
    void server.server.sendLoggingMessage({ level, logger: MCP_LOGGER, data }, sessionId).catch(() => {})
  }
}

/** `mesh` with every task it runs logged: started (debug), done (info), refused or failed (warning). */
export function loggedAccess (mesh: MeshAccess, log: McpLog): MeshAccess {
  return {
    capabilities: mesh.capabilities,
    searchMesh: mesh.searchMesh,
    async run (task, opts) {
      const started = Date.now()
      const what = { kind: task.kind, ...(task.model != null ? { model: task.model } : {}), ...(task.peer != null ? { peer: task.peer } : {}) }
      log('debug', { event: 'task.start', ...what })
      try {
        const r = await mesh.run(task, opts)
        log('info', { event: 'task.done', ...what, taskId: r.taskId, executor: r.executor, durationMs: Date.now() - started, ...(r.usage != null ? { usage: r.usage } : {}) })
        return r
      } catch (err) {
        const code = err instanceof MeshTaskError ? err.code : 'internal'
        log(code === 'canceled' ? 'info' : 'warning', { event: 'task.failed', ...what, code, durationMs: Date.now() - started })
        throw err
      }
    }
  }
}
