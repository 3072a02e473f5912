/**
 * Function calling and structured output in `llm.chat`, as they cross the
 * mesh: the tools a chat offers the model, how it must choose among them, the
 * format of its answer, the calls it made and the results sent back. Shaped
 * after OpenAI's Chat Completions fields
 * (https://platform.openai.com/docs/api-reference/chat/create) in Mycel's
 * camelCase, so each API door maps its own fields onto these one to one.
 * Everything is bounded here, before the executor looks at it; schemas get
 * the JSON Schema checks (node/json-schema) on top.
 *
 * @example
 * const input = {
 *   model: 'tiny',
 *   messages: [
 *     { role: 'user', content: 'Weather in Paris?' },
 *     { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
 *     { role: 'tool', toolCallId: 'call_1', content: '{"temp":21}' }
 *   ],
 *   tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
 *   toolChoice: { name: 'get_weather' }
 * }
 * // output: { output: '', toolCalls: [{ id, name: 'get_weather', arguments: '{"city":"Paris"}' }], finishReason: 'tool_calls' }
 */
import { MalformedMessageError } from '../errors.ts'
import { arrayOf, bool, isPlainObject, json, literal, object, oneOf, optional, str, type Shape } from '../shape.ts'

/** Tools one chat may offer (OpenAI's own limit). */
export const MAX_CHAT_TOOLS = 128
/** A tool name: OpenAI's `^[a-zA-Z0-9_-]{1,64}$`, plus `.` for the mesh's `PROVIDER.TOOL` names. */
export const CHAT_TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/
/** Characters of a tool's description. */
export const MAX_TOOL_DESCRIPTION_CHARS = 4096
/** Values (objects, arrays, scalars) in one tool's parameter schema or a response format's schema. */
export const MAX_CHAT_SCHEMA_ITEMS = 4096
/** Nesting of one such schema. */
export const MAX_CHAT_SCHEMA_DEPTH = 32
/** Serialized bytes of one such schema (JSON, UTF-8). */
export const MAX_CHAT_SCHEMA_BYTES = 64 * 1024
/** Calls in one assistant message or one answer. */
export const MAX_TOOL_CALLS = 32
/** Characters of a tool call id. */
export const MAX_TOOL_CALL_ID_CHARS = 128
/** Characters of a call's arguments (a JSON text). */
export const MAX_TOOL_ARGUMENTS_CHARS = 256 * 1024

/** A function the model may call. `parameters` is a JSON Schema of an object; absent means no arguments. */
export interface ChatTool {
  name: string
  description?: string
  parameters?: Record<string, unknown>
}

/** `auto`: the model decides; `none`: it answers in text; `required`: it calls one of the tools; `{ name }`: it calls that one. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string }

/** `json_object`: any JSON object; `json_schema`: JSON that satisfies `schema` (always enforced by grammar; `strict` is accepted as OpenAI's). */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema', schema: Record<string, unknown>, name?: string, strict?: boolean }

/** A call the model made. `arguments` is a JSON text (as OpenAI sends it), parsed by whoever runs the tool. */
export interface ToolCall {
  id: string
  name: string
  arguments: string
}

export type ChatMessage =
  | { role: 'system' | 'user', content: string }
  | { role: 'assistant', content: string, toolCalls?: ToolCall[] }
  /** The result of the call `toolCallId` made in an earlier assistant message. */
  | { role: 'tool', toolCallId: string, content: string }

/** What `llm.chat` adds to the sampling fields of a generation. */
export interface ChatToolOptions {
  tools?: ChatTool[]
  /** @default 'auto' when tools are given */
  toolChoice?: ToolChoice
  /** Whether the model may make several calls in one answer. @default true */
  parallelToolCalls?: boolean
  /** @default { type: 'text' } */
  responseFormat?: ResponseFormat
}

/** A tool's parameters or a response format's schema: a JSON object, bounded (the JSON Schema checks come after). */
export const ChatSchemaShape: Shape<Record<string, unknown>> = (value, path) => {
  const v = json({ maxDepth: MAX_CHAT_SCHEMA_DEPTH, maxItems: MAX_CHAT_SCHEMA_ITEMS })(value, path)
  if (!isPlainObject(v)) throw new MalformedMessageError(`${path}: expected a JSON schema object`)
  return v
}

export const ToolNameShape: Shape<string> = str({ min: 1, max: 128, pattern: CHAT_TOOL_NAME_PATTERN })
const toolName = ToolNameShape

export const ToolCallShape: Shape<ToolCall> = object({
  id: str({ min: 1, max: MAX_TOOL_CALL_ID_CHARS }),
  name: toolName,
  arguments: str({ max: MAX_TOOL_ARGUMENTS_CHARS })
})

export const ToolCallsShape: Shape<ToolCall[]> = arrayOf(ToolCallShape, { min: 1, max: MAX_TOOL_CALLS })

export const ChatToolShape: Shape<ChatTool> = object({
  name: toolName,
  description: optional(str({ max: MAX_TOOL_DESCRIPTION_CHARS })),
  parameters: optional(ChatSchemaShape)
})

export const ToolChoiceShape: Shape<ToolChoice> = (value, path) => isPlainObject(value)
  ? object({ name: toolName })(value, path)
  : oneOf(['auto', 'none', 'required'] as const)(value, path)

const JsonSchemaFormat = object({
  type: literal('json_schema'),
  schema: ChatSchemaShape,
  name: optional(str({ min: 1, max: 64 })),
  strict: optional(bool)
})

export const ResponseFormatShape: Shape<ResponseFormat> = (value, path) => {
  const type = isPlainObject(value) ? value.type : undefined
  if (type === 'json_schema') return JsonSchemaFormat(value, path)
  return object({ type: oneOf(['text', 'json_object'] as const) })(value, path)
}

/** One chat message, by role: only the assistant carries calls, only a tool message answers one. */
export function chatMessageShape (maxContentChars: number): Shape<ChatMessage> {
  const content = str({ max: maxContentChars })
  const plain = object({ role: oneOf(['system', 'user'] as const), content })
  const assistant = object({ role: literal('assistant'), content, toolCalls: optional(ToolCallsShape) })
  const tool = object({ role: literal('tool'), toolCallId: str({ min: 1, max: MAX_TOOL_CALL_ID_CHARS }), content })
  return (value, path) => {
    const role = isPlainObject(value) ? value.role : undefined
    if (role === 'assistant') return assistant(value, path)
    if (role === 'tool') return tool(value, path)
    return plain(value, path)
  }
}

export const ChatToolFields = {
  tools: optional(arrayOf(ChatToolShape, { max: MAX_CHAT_TOOLS })),
  toolChoice: optional(ToolChoiceShape),
  parallelToolCalls: optional(bool),
  responseFormat: optional(ResponseFormatShape)
}
