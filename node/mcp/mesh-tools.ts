/**
 * The MCP door to the mesh's tools: every tool this node's policy lets it
 * call (its own, and those the members' verified cards offer) is listed as
 * an MCP tool under its own name (`fs.read_text_file`), with the provider's
 * JSON schema, and a call is a `tool.call` task over the mesh. So an MCP
 * client on one machine uses tools that live on another, routed, decided by
 * policy and audited on both sides like every task.
 *
 * The SDK's `McpServer` takes zod schemas; a mesh tool's schema is JSON
 * Schema, so it is registered as a loose object whose JSON Schema output is
 * the provider's schema (zod metadata). Arguments are checked against it on
 * the provider (Ajv), the one place the schema is sure to be current.
 *
 * @example
 * const door = registerMeshTools(server, nodeToolAccess(modules.tools))
 * await door.ready   // listed once; `refreshMs` keeps a long-lived server current
 */
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { ApiClient } from '../api/client.ts'
import type { ToolsModule } from '../api/modules.ts'
import { parseToolCallAnswer, parseToolList } from '../api/tool-routes.ts'
import type { MeshTool, MeshToolResult } from '../tools/index.ts'
import { describeFailure } from './tools.ts'

export interface MeshToolAccess {
  list: (signal?: AbortSignal) => Promise<MeshTool[]>
  call: (tool: string, args: Record<string, unknown>, signal?: AbortSignal) => Promise<MeshToolResult>
}

/** From inside the node process. */
export function nodeToolAccess (tools: ToolsModule): MeshToolAccess {
  return {
    list: async () => tools.list(),
    call: async (tool, args, signal) => await tools.call({ tool, arguments: args, ...(signal != null ? { signal } : {}) })
  }
}

/** Through the control API of the node running for `home` (`api.json` read on each call). */
export function apiToolAccess (home: string): MeshToolAccess {
  const client = async (): Promise<ApiClient> => await ApiClient.fromHome(home)
  return {
    list: async (signal) => parseToolList(await (await client()).get('/api/tools', signal)),
    call: async (tool, args, signal) => parseToolCallAnswer(await (await client()).post('/api/tools/call', { tool, arguments: args }, signal))
  }
}

export interface MeshToolsDoor {
  /** Settles once the tools were listed the first time (a failed listing leaves none, logged by the caller's node). */
  ready: Promise<void>
  /** Lists again: new tools are added, gone ones removed (the SDK tells the client the list changed). */
  refresh: () => Promise<void>
  stop: () => void
}

/** One MCP tool per mesh tool this node may call, by name (the first offer, this node's own before a member's). */
export function callableByName (tools: MeshTool[]): MeshTool[] {
  const out = new Map<string, MeshTool>()
  for (const t of tools) if (t.callable && !out.has(t.name)) out.set(t.name, t)
  return [...out.values()]
}

export function registerMeshTools (server: McpServer, access: MeshToolAccess, opts: { refreshMs?: number } = {}): MeshToolsDoor {
  const registered = new Map<string, { tool: RegisteredTool, key: string }>()
  let running: Promise<void> | undefined
  const sync = async (): Promise<void> => {
    const tools = callableByName(await access.list())
    const seen = new Set<string>()
    for (const t of tools) {
      seen.add(t.name)
      const key = JSON.stringify([t.description, t.inputSchema])
      const had = registered.get(t.name)
      if (had?.key === key) continue
      had?.tool.remove()
      registered.set(t.name, { tool: register(server, access, t), key })
    }
    for (const [name, had] of registered) {
      if (!seen.has(name)) { had.tool.remove(); registered.delete(name) }
    }
  }
  const refresh = async (): Promise<void> => {
    running ??= sync().finally(() => { running = undefined })
    await running
  }
  const ready = refresh().catch(() => {})
  const timer = opts.refreshMs != null ? setInterval(() => { void refresh().catch(() => {}) }, opts.refreshMs) : undefined
  timer?.unref()
  return { ready, refresh, stop: () => { clearInterval(timer) } }
}

function register (server: McpServer, access: MeshToolAccess, t: MeshTool): RegisteredTool {
  // zod's registry keys on `id`: a schema's own `id` would clash between tools
  const { id: _id, ...schema } = t.inputSchema
  return server.registerTool(t.name, {
    description: `${t.description}${t.description === '' ? '' : '\n\n'}(Mycel: offered by ${t.local ? 'this node' : t.nodeName}; output class ${t.class})`,
    inputSchema: z.looseObject({}).meta(schema),
    annotations: { openWorldHint: true }
  }, async (args, extra): Promise<CallToolResult> => {
    try {
      const answer = await access.call(t.name, args as Record<string, unknown>, extra.signal)
      return answer.result as CallToolResult
    } catch (err) {
      return { isError: true, content: [{ type: 'text', text: describeFailure(err, 'tool.call') }] }
    }
  })
}
