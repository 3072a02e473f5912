/**
 * `mycel mcp`: the MCP server over stdio, for MCP clients that start their
 * servers as processes (Claude Desktop, IDEs). It talks to the node running
 * for `--home` through its control API; stdout carries only the protocol.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Command } from '../command.ts'
import { readApiFile } from '../../api/client.ts'
import { NodeNotRunningError } from '../errors.ts'
import { apiAccess, apiMemoryAccess, apiToolAccess, createMcpServer, registerMeshTools } from '../../mcp/index.ts'
import { MCP_MESH_TOOLS_REFRESH_MS } from '../../mcp/constants.ts'

export const mcp: Command = {
  path: ['mcp'],
  summary: 'Serve the mesh as MCP tools, resources and prompts over stdio (for MCP clients; needs a running node)',
  async run (ctx) {
    // fail at once, with a line the MCP client shows, rather than on the first tool call
    if (await readApiFile(ctx.home) == null) throw new NodeNotRunningError()
    const server = createMcpServer(apiAccess(ctx.home), { memory: apiMemoryAccess(ctx.home) })
    // the mesh's tools, listed again now and then: the client hears when they change
    const door = registerMeshTools(server, apiToolAccess(ctx.home), { refreshMs: MCP_MESH_TOOLS_REFRESH_MS })
    await door.ready
    const transport = new StdioServerTransport()
    const closed = new Promise<void>(resolve => {
      transport.onclose = () => { resolve() }
      process.stdin.once('end', () => { resolve() })
      if (ctx.signal.aborted) resolve()
      ctx.signal.addEventListener('abort', () => { resolve() }, { once: true })
    })
    await server.connect(transport)
    await closed
    door.stop()
    await server.close().catch(() => {})
  }
}
