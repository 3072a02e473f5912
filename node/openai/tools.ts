/**
 * OpenAI's function-calling and structured-output fields of a chat request
 * (https://platform.openai.com/docs/api-reference/chat/create): `tools`,
 * `tool_choice`, `parallel_tool_calls`, `response_format`, and the
 * assistant `tool_calls` and `tool` messages of the history, mapped one to
 * one onto `llm.chat`'s (protocol/task/chat.ts). The API only describes
 * calls: whoever asked runs them and sends the results back as `tool`
 * messages. The deprecated `functions` / `function_call` stay refused.
 */
import { arrayOf, bool, isPlainObject, literal, nullable, oneOf, optional, str, type Shape } from '../../protocol/shape.ts'
import {
  ChatSchemaShape, ToolNameShape, MAX_CHAT_TOOLS, MAX_TOOL_ARGUMENTS_CHARS, MAX_TOOL_CALL_ID_CHARS,
  MAX_TOOL_CALLS, MAX_TOOL_DESCRIPTION_CHARS, type ChatTool, type ChatToolOptions, type ResponseFormat, type ToolCall, type ToolChoice
} from '../../protocol/task/chat.ts'
import { loose } from '../api/loose.ts'

const name = ToolNameShape
const schema = ChatSchemaShape

const Tool = loose({
  type: literal('function'),
  function: loose({
    name,
    description: optional(nullable(str({ max: MAX_TOOL_DESCRIPTION_CHARS }))),
    parameters: optional(nullable(schema)),
    // the grammar enforces the schema whatever `strict` says
    strict: optional(nullable(bool))
  })
})

const NamedChoice = loose({ type: literal('function'), function: loose({ name }) })
const toolChoice: Shape<ToolChoice> = (value, path) => isPlainObject(value)
  ? { name: NamedChoice(value, path).function.name }
  : oneOf(['auto', 'none', 'required'] as const)(value, path)

const JsonSchemaFormat = loose({
  type: literal('json_schema'),
  json_schema: loose({
    name: str({ min: 1, max: 64 }),
    description: optional(nullable(str({ max: MAX_TOOL_DESCRIPTION_CHARS }))),
    schema: optional(nullable(schema)),
    strict: optional(nullable(bool))
  })
})
const responseFormat: Shape<ResponseFormat> = (value, path) => {
  if (isPlainObject(value) && value.type === 'json_schema') {
    const f = JsonSchemaFormat(value, path).json_schema
    return { type: 'json_schema', name: f.name, schema: f.schema ?? { type: 'object' }, ...(f.strict != null ? { strict: f.strict } : {}) }
  }
  return loose({ type: oneOf(['text', 'json_object'] as const) })(value, path)
}

/** The request fields, for the chat body shape. */
export const toolFields = {
  tools: optional(nullable(arrayOf(Tool, { max: MAX_CHAT_TOOLS }))),
  tool_choice: optional(nullable(toolChoice)),
  parallel_tool_calls: optional(nullable(bool)),
  response_format: optional(nullable(responseFormat))
}

/** `tool_calls` of an assistant message in the history. */
export const toolCallsField = optional(nullable(arrayOf(loose({
  id: str({ min: 1, max: MAX_TOOL_CALL_ID_CHARS }),
  type: literal('function'),
  function: loose({ name, arguments: str({ max: MAX_TOOL_ARGUMENTS_CHARS }) })
}), { max: MAX_TOOL_CALLS })))

export const toolCallIdField = optional(str({ min: 1, max: MAX_TOOL_CALL_ID_CHARS }))

type ToolBody = {
  tools?: Array<{ function: { name: string, description?: string | null, parameters?: Record<string, unknown> | null } }> | null
  tool_choice?: ToolChoice | null
  parallel_tool_calls?: boolean | null
  response_format?: ResponseFormat | null
}

/** The `llm.chat` fields of a parsed body; neutral values (`[]`, `text`) are left out. */
export function chatToolOptions (b: ToolBody): ChatToolOptions {
  const out: ChatToolOptions = {}
  const tools: ChatTool[] = (b.tools ?? []).map(({ function: f }) => ({
    name: f.name,
    ...(f.description != null ? { description: f.description } : {}),
    ...(f.parameters != null ? { parameters: f.parameters } : {})
  }))
  if (tools.length > 0) out.tools = tools
  if (b.tool_choice != null && tools.length > 0) out.toolChoice = b.tool_choice
  // `required` or a name with no tools is an error the runtime names; keep it so it is reported
  else if (b.tool_choice != null && b.tool_choice !== 'auto' && b.tool_choice !== 'none') out.toolChoice = b.tool_choice
  if (b.parallel_tool_calls != null && tools.length > 0) out.parallelToolCalls = b.parallel_tool_calls
  if (b.response_format != null && b.response_format.type !== 'text') out.responseFormat = b.response_format
  return out
}

/** An assistant message's calls in `llm.chat`'s form. */
export function toolCallsOf (calls: Array<{ id: string, function: { name: string, arguments: string } }> | null | undefined): ToolCall[] | undefined {
  if (calls == null || calls.length === 0) return undefined
  return calls.map(c => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }))
}

/** `llm.chat`'s field names (in the runtime's errors) as the request spelled them. */
export function openAiParam (field: string): string {
  return field
    .replace(/^tools\[(\d+)\]\.(name|parameters)/, 'tools[$1].function.$2')
    .replace(/^toolChoice\.name$/, 'tool_choice.function.name')
    .replace(/^toolChoice$/, 'tool_choice')
    .replace(/^responseFormat\.schema$/, 'response_format.json_schema.schema')
    .replace(/^responseFormat$/, 'response_format')
    .replace(/^(messages\[\d+\])\.toolCallId$/, '$1.tool_call_id')
}

/** A call as OpenAI answers it. */
export function openAiToolCall (c: ToolCall): { id: string, type: 'function', function: { name: string, arguments: string } } {
  return { id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }
}
