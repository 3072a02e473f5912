/**
 * The shapes the tool layer speaks: tools as a provider lists them, tools as
 * the registry offers them (`PROVIDER.TOOL`), and results in the shape of
 * MCP's CallToolResult
 * (https://modelcontextprotocol.io/specification/2025-06-18/server/tools#tool-result).
 */
import type { DataClass } from '../policy/types.ts'
import type { JsonSchema } from '../json-schema/index.ts'

export type { DataClass }

/** A JSON Schema object as it arrives: checked for bounds before Ajv compiles it. */
export type { JsonSchema }

/** A tool as its provider lists it, name without the provider prefix. */
export interface ToolSpec {
  name: string
  description?: string
  inputSchema: JsonSchema
  outputSchema?: JsonSchema
}

/** A tool as the registry offers it to callers, cards and `mycel tools ls`. */
export interface ToolDescriptor {
  /** `PROVIDER.TOOL`, e.g. `fs.read_text_file`. */
  name: string
  provider: string
  /** The name inside the provider, e.g. `read_text_file`. */
  tool: string
  description: string
  inputSchema: JsonSchema
  outputSchema?: JsonSchema
  /** Data class of this tool's output: its provider's class. */
  dataClass: DataClass
}

export interface TextContent { type: 'text', text: string }
export interface ImageContent { type: 'image', data: string, mimeType: string }
export interface AudioContent { type: 'audio', data: string, mimeType: string }
export interface ResourceLinkContent { type: 'resource_link', uri: string, name: string, description?: string, mimeType?: string }
export interface EmbeddedResourceContent {
  type: 'resource'
  resource: { uri: string, mimeType?: string, text?: string, blob?: string }
}
export type ToolContent = TextContent | ImageContent | AudioContent | ResourceLinkContent | EmbeddedResourceContent

/**
 * MCP's CallToolResult. `isError: true` is the tool's own failure, reported
 * so a model can read it and try again; failures of the call itself (bad
 * arguments, timeout, a dead provider) are thrown as typed errors instead.
 */
export interface ToolResult {
  content: ToolContent[]
  isError: boolean
  structuredContent?: Record<string, unknown>
}

export interface ProviderCallOptions {
  /** Aborted on cancel and on timeout; the provider should stop work and free what it holds. */
  signal: AbortSignal
  /** What is left of the call's time, for providers that pass a deadline on (MCP request timeout). */
  timeoutMs: number
}

/**
 * Something that offers tools: an MCP server, or a built-in such as
 * `code.run`. The registry checks and compiles what `listTools` returns,
 * validates arguments before `callTool` sees them, and bounds the result.
 */
export interface ToolProvider {
  /** Provider name, the `PROVIDER` in `PROVIDER.TOOL`. */
  readonly name: string
  /** Data class of every tool's output. */
  readonly dataClass: DataClass
  /**
   * The tools' schemas are this code base's own (a built-in provider): they
   * compile on a tool's first call, not when listed, so a start need not
   * load Ajv. Others' schemas compile when listed, and one that does not
   * compile leaves its tool out. @default false
   */
  readonly ownSchemas?: boolean
  start: () => Promise<void>
  stop: () => Promise<void>
  /** The tools offered now (empty while a supervised server is down). */
  listTools: () => Promise<ToolSpec[]>
  /** Runs one tool; `args` already passed its input schema. */
  callTool: (tool: string, args: Record<string, unknown>, options: ProviderCallOptions) => Promise<ToolResult>
  /** Registers a listener for "my tool list changed"; returns the unsubscribe. */
  onToolsChanged?: (listener: () => void) => () => void
}
