/**
 * The Mycel MCP server: one `McpServer` with the mesh tools, connected to a
 * transport by the caller (stdio for `mycel mcp`, streamable HTTP for `/mcp`).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { MeshAccess } from './access.ts'
import { registerTools } from './tools.ts'
import { MCP_SERVER_NAME, MCP_SERVER_VERSION } from './constants.ts'

export function createMcpServer (mesh: MeshAccess): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION },
    { instructions: 'Tools of a Mycel mesh: see what members can do (mesh_capabilities), delegate work to them (delegate_task), and search or ask the organisation\'s private documents (memory_search, memory_ask). Every task runs under the mesh\'s policy and is audited.' }
  )
  registerTools(server, mesh)
  return server
}
