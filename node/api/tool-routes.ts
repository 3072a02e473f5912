/**
 * Control API routes for tools: `GET /api/tools` lists this node's tools
 * and those the members' verified cards offer (`callable` says whether this
 * node's policy lets it call each there); `POST /api/tools/call` calls one
 * as a `tool.call` task through the router and answers its result
 * (`{content, isError}`) with the executor, or one error.
 */
import type { ApiServer } from './server.ts'
import type { ToolsModule } from './modules.ts'
import { body } from './body.ts'
import { arrayOf, bool, isPlainObject, json, literal, object, oneOf, optional, parse, str, uint, type Shape } from '../../protocol/shape.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { DATA_CLASSES, MAX_TASK_TOOL_CHARS } from '../../protocol/task/messages.ts'
import { MalformedApiResponseError } from './errors.ts'
import type { MeshTool, MeshToolResult } from '../tools/index.ts'

/** Bounds of the arguments one call carries (the tool's schema decides the rest, on the provider). */
const ARGUMENTS_MAX_DEPTH = 64
const ARGUMENTS_MAX_ITEMS = 65_536
const CALL_TIMEOUT_MAX_MS = 10 * 60_000

const args: Shape<Record<string, unknown>> = (value, path) => {
  if (!isPlainObject(value)) throw new MalformedMessageError(`${path}: expected a JSON object`)
  return json({ maxDepth: ARGUMENTS_MAX_DEPTH, maxItems: ARGUMENTS_MAX_ITEMS })(value, path) as Record<string, unknown>
}

const CallBody = object({
  tool: str({ min: 3, max: MAX_TASK_TOOL_CHARS }),
  arguments: optional(args),
  peer: optional(str({ max: 128 })),
  local: optional(literal(true)),
  timeoutMs: optional(uint({ min: 1, max: CALL_TIMEOUT_MAX_MS }))
})

/** One row of `GET /api/tools`, as clients (the CLI, `mycel mcp`) check it. */
const ToolRow = object({
  name: str({ min: 3, max: MAX_TASK_TOOL_CHARS }),
  provider: str({ max: 32 }),
  node: str({ max: 128 }),
  nodeName: str({ max: 64 }),
  description: str({ max: 4096 }),
  inputSchema: json({ maxDepth: 32, maxItems: 100_000 }),
  class: oneOf(DATA_CLASSES),
  local: bool,
  callable: bool
})
const ToolList = arrayOf(ToolRow, { max: 100_000 })
const CallAnswer = object({
  taskId: str({ max: 64 }),
  executor: str({ max: 128 }),
  result: object({
    content: arrayOf(json({ maxDepth: 8, maxItems: 100_000 }), { max: 1024 }),
    isError: bool,
    structuredContent: optional(json({ maxDepth: 64, maxItems: 100_000 }))
  })
})

/** A `GET /api/tools` answer as a client reads it. */
export function parseToolList (value: unknown): MeshTool[] {
  try {
    return parse(ToolList, value, 'tool list') as MeshTool[]
  } catch (err) {
    throw new MalformedApiResponseError((err as Error).message)
  }
}

/** A `POST /api/tools/call` answer as a client reads it. */
export function parseToolCallAnswer (value: unknown): MeshToolResult {
  try {
    return parse(CallAnswer, value, 'tool call answer') as MeshToolResult
  } catch (err) {
    throw new MalformedApiResponseError((err as Error).message)
  }
}

export function registerToolRoutes (api: ApiServer, { tools }: { tools: ToolsModule }): void {
  api.route('GET', '/api/tools', async () => tools.list())
  api.route('POST', '/api/tools/call', async ({ body: b, signal }) => {
    const req = body(CallBody, b, 'tool call')
    return await tools.call({
      tool: req.tool,
      arguments: req.arguments ?? {},
      ...(req.peer != null ? { peer: req.peer } : {}),
      ...(req.local === true ? { local: true } : {}),
      ...(req.timeoutMs != null ? { timeoutMs: req.timeoutMs } : {}),
      signal
    })
  })
}
