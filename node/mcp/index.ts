/**
 * Mycel's MCP server (Model Context Protocol, https://modelcontextprotocol.io):
 * the mesh's capabilities, task delegation and memory as tools, over stdio
 * (`mycel mcp`, through the running node's control API) and streamable HTTP
 * (`/mcp` on the node's HTTP server, bearer token and Origin checked).
 *
 * @example
 * const server = createMcpServer(apiAccess(home))
 * await server.connect(new StdioServerTransport())
 */
export { createMcpServer } from './server.ts'
export { registerMcpRoute } from './http.ts'
export { apiAccess, nodeAccess, MeshTaskError, type MeshAccess, type MeshTask, type MeshTaskResult } from './access.ts'
export { describeFailure } from './tools.ts'
