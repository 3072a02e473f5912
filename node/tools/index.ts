/**
 * Tool providers of a node: a registry of tools named `PROVIDER.TOOL`, each
 * with a JSON input schema checked (Ajv) before anything runs, a timeout, an
 * output bound and cancel; MCP servers as supervised connectors; and the
 * built-in `code.run`, JavaScript in a QuickJS WebAssembly sandbox. Results
 * have the shape of MCP's CallToolResult. See docs/tools.md.
 *
 * @example
 * const tools = toolRegistry()({ logger })
 * await tools.add(codeRun()({}))
 * await tools.add(mcpConnector({ name: 'fs', command: 'mcp-server-filesystem', args: ['/srv/docs'], dataClass: 'confidential' })({ logger }))
 * await tools.start()
 * tools.list()                                   // [{ name: 'code.run', … }, { name: 'fs.read_text_file', … }, …]
 * await tools.call('code.run', { code: '6*7' })  // { content: [{ type: 'text', text: '{"value":42,"logs":[]}' }], isError: false, structuredContent: { value: 42, logs: [] } }
 * await tools.call('fs.read_text_file', { path: '/srv/docs/a.md' }, { signal, timeoutMs: 5000 })
 * await tools.stop()
 *
 * // the task kind, and what the executor reads off it
 * taskKinds.register(toolCallKind({ tools, self: () => peerId, mayCall }))
 * toolDataClass(tools, 'fs.read_text_file')     // 'confidential'
 *
 * // the mesh's tools, for the API, the CLI and the MCP door
 * const mesh = meshTools({ registry: tools, self, selfName, cards, memberGroups, policy, router, audit })
 * await mesh.call({ tool: 'fs.read_text_file', arguments: { path: '/srv/docs/a.md' } })  // routed to a member whose card offers it
 */
export { toolRegistry, ToolRegistry } from './registry.ts'
export type { ToolRegistryInit, ToolRegistryComponents, CallToolOptions, ToolListReport } from './registry.ts'
export { codeRun, CodeRun } from './code-run.ts'
export { mcpConnector, McpConnector } from './mcp-connector.ts'
export type { McpConnectorInit, McpConnectorComponents, McpConnectorState, McpConnectorStatus } from './mcp-connector.ts'
export type { CodeRunInit, CodeRunComponents, CodeRunOptions } from './code-run.ts'
export type { SandboxResult } from './quickjs-sandbox.ts'
export { toolCallKind, toolDataClass } from './kind.ts'
export type { ToolCallInput, ToolCallKind, ToolCallKindInit } from './kind.ts'
export { parseToolServers, readToolServers, writeToolServers, connectorInit, TOOL_SERVERS_MAX } from './config.ts'
export type { ToolServerEntry } from './config.ts'
export { checkSchema, compileSchema } from './schema.ts'
export { cardTools, type CardToolsInit } from './card.ts'
export { meshTools, MeshTools, type MeshTool, type MeshToolCall, type MeshToolResult, type MeshToolsComponents } from './mesh.ts'
export { TOOL_CALL_AUDIT_TYPE, toolCallAuditData, type ToolCallAudit, type ToolDecision } from './audit.ts'
export type {
  DataClass, JsonSchema, ToolSpec, ToolDescriptor, ToolContent, TextContent, ToolResult, ToolProvider, ProviderCallOptions
} from './types.ts'
export * from './errors.ts'
export * as toolsConstants from './constants.ts'
