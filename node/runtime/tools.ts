/**
 * The function-calling options of a chat, checked before the task is
 * queued: what the bounded wire shape (protocol/task/chat.ts) cannot see.
 * Tool names are unique, a named choice names an offered tool, and every
 * schema passes the JSON Schema checks and compiles with Ajv, so neither
 * node-llama-cpp's grammar builder nor a caller's validator meets a huge,
 * remote or looping schema.
 *
 * @example
 * validateChatTools({ messages, tools: [{ name: 'f', parameters: { type: 'object' } }], toolChoice: { name: 'g' } })
 * // throws InvalidRequestError, field 'toolChoice.name'
 */
import { checkSchema, compileSchema, InvalidSchemaError } from '../json-schema/index.ts'
import { MAX_CHAT_SCHEMA_BYTES, MAX_CHAT_SCHEMA_DEPTH, type ChatMessage, type ChatToolOptions } from '../../protocol/task/chat.ts'
import { InvalidRequestError } from './errors.ts'

export type { ChatTool, ChatToolOptions, ToolCall, ToolChoice, ResponseFormat } from '../../protocol/task/chat.ts'

function checked (schema: unknown, field: string, requireObject: boolean): void {
  try {
    compileSchema(checkSchema(schema, { maxBytes: MAX_CHAT_SCHEMA_BYTES, maxDepth: MAX_CHAT_SCHEMA_DEPTH, requireObject }))
  } catch (err) {
    if (err instanceof InvalidSchemaError) throw new InvalidRequestError(err.reason, field)
    throw err
  }
}

/** Every tool message answers a call an earlier assistant message made. @throws InvalidRequestError */
function checkToolTurns (messages: readonly ChatMessage[]): void {
  const ids = new Set<string>()
  messages.forEach((m, i) => {
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) ids.add(c.id)
    if (m.role === 'tool' && !ids.has(m.toolCallId)) throw new InvalidRequestError('answers no tool call of an earlier assistant message', `messages[${i}].toolCallId`)
  })
}

/** @throws InvalidRequestError naming the field at fault */
export function validateChatTools (opts: ChatToolOptions & { messages?: readonly ChatMessage[] }): void {
  if (opts.messages != null) checkToolTurns(opts.messages)
  const tools = opts.tools ?? []
  const names = new Set<string>()
  tools.forEach((t, i) => {
    if (names.has(t.name)) throw new InvalidRequestError(`the tool name "${t.name}" is used twice`, `tools[${i}].name`)
    names.add(t.name)
    if (t.parameters != null) checked(t.parameters, `tools[${i}].parameters`, true)
  })
  const choice = opts.toolChoice
  if (typeof choice === 'object' && !names.has(choice.name)) throw new InvalidRequestError(`names no offered tool ("${choice.name}")`, 'toolChoice.name')
  if (choice === 'required' && tools.length === 0) throw new InvalidRequestError('is "required" but no tools are offered', 'toolChoice')
  const format = opts.responseFormat
  if (format?.type === 'json_schema') checked(format.schema, 'responseFormat.schema', false)
  // node-llama-cpp holds a generation either to the function-call grammar or to one of its own, not both at once
  if (format != null && format.type !== 'text' && tools.length > 0 && (choice ?? 'auto') === 'auto') {
    throw new InvalidRequestError('a JSON response format cannot be combined with tools the model may choose to call; set toolChoice to "none", "required" or a name', 'responseFormat')
  }
}

/** Whether a chat goes through the function-calling path (tools, a non-text format, or tool turns in the history). */
export function usesToolPath (opts: ChatToolOptions): boolean {
  return (opts.tools?.length ?? 0) > 0 || (opts.responseFormat != null && opts.responseFormat.type !== 'text')
}
