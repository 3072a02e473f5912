/**
 * The Mycel MCP server: one `McpServer` with the mesh tools, resources
 * (memory collections, members; subscribable), prompts, completion of
 * their arguments and logging, connected to a transport by the caller
 * (stdio for `mycel mcp`, one per session of streamable HTTP at `/mcp`).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { MeshAccess } from './access.ts'
import type { MemoryAccess } from './memory-access.ts'
import { registerTools } from './tools.ts'
import { registerResources, meshResources } from './resources.ts'
import { ResourceSubscriptions } from './subscriptions.ts'
import { registerPrompts, type MeshPrompt } from './prompts.ts'
import { BUILTIN_PROMPTS } from './builtin-prompts.ts'
import { meshNames } from './completions.ts'
import { loggedAccess, mcpLog } from './logging.ts'
import { publicMessage } from '../api/errors.ts'
import { MCP_SERVER_NAME, MCP_SERVER_VERSION, RESOURCE_POLL_MS } from './constants.ts'

export interface McpServerInit {
  /** This node's memory; without it only what other members advertise is listed. */
  memory?: MemoryAccess
  /** The HTTP session this server serves (each session keeps its own log level). */
  sessionId?: string
  /** @default BUILTIN_PROMPTS */
  prompts?: readonly MeshPrompt[]
  /** @default RESOURCE_POLL_MS */
  pollMs?: number
}

const NO_MEMORY: MemoryAccess = { collections: async () => [], documents: async () => [] }

export function createMcpServer (mesh: MeshAccess, init: McpServerInit = {}): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    {
      instructions: 'Tools of a Mycel mesh: see what members can do (mesh_capabilities), delegate work to them (delegate_task), and search or ask the organisation\'s private documents (memory_search, memory_ask). ' +
        'Resources: mycel://mesh/members and mycel://memory/{collection}. Every task runs under the mesh\'s policy and is audited.',
      capabilities: { logging: {}, completions: {}, resources: { subscribe: true, listChanged: true } }
    }
  )
  const memory = init.memory ?? NO_MEMORY
  const log = mcpLog(server, init.sessionId)
  registerTools(server, loggedAccess(mesh, log))
  const names = meshNames(mesh, memory)
  const resources = meshResources(mesh, memory)
  registerResources(server, resources, names)
  registerPrompts(server, init.prompts ?? BUILTIN_PROMPTS, { mesh, resources, names })
  const subscriptions = new ResourceSubscriptions(server, resources, {
    pollMs: init.pollMs ?? RESOURCE_POLL_MS,
    onError: (err) => { log('warning', { event: 'resources.watch-failed', message: publicMessage(err) }) }
  })
  const closed = server.server.onclose
  server.server.onclose = () => { subscriptions.stop(); closed?.() }
  return server
}
