/**
 * Mycel's MCP server (Model Context Protocol, https://modelcontextprotocol.io):
 * the mesh's capabilities, task delegation and memory as tools; members and
 * memory collections as subscribable resources; prompts over the mesh's
 * models, collections and peers, with completion of their arguments; and
 * logging of the tasks it runs. Over stdio (`mycel mcp`, through the
 * running node's control API) and streamable HTTP with sessions (`/mcp` on
 * the node's HTTP server, bearer token and Origin checked).
 *
 * @example
 * const server = createMcpServer(apiAccess(home), { memory: apiMemoryAccess(home) })
 * await server.connect(new StdioServerTransport())
 */
export { createMcpServer, type McpServerInit } from './server.ts'
export { registerMcpRoute } from './http.ts'
export { apiAccess, nodeAccess, MeshTaskError, type MeshAccess, type MeshTask, type MeshTaskResult } from './access.ts'
export { apiMemoryAccess, nodeMemoryAccess, type MemoryAccess } from './memory-access.ts'
export { BUILTIN_PROMPTS } from './builtin-prompts.ts'
export type { MeshPrompt, PromptArgument } from './prompts.ts'
export { describeFailure } from './tools.ts'
export { registerMeshTools, nodeToolAccess, apiToolAccess, callableByName, type MeshToolAccess, type MeshToolsDoor } from './mesh-tools.ts'
