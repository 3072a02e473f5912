/**
 * Anthropic's tool use (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use)
 * mapped onto `llm.chat`'s function calling (`protocol/task/chat.ts`):
 * client tools become the chat's tools (`input_schema` is their parameter
 * schema); `tool_choice` `auto`, `any`, `tool` and `none` become `auto`,
 * `required`, a named choice and `none`, `disable_parallel_tool_use` one
 * call at most; an assistant turn's `tool_use` blocks become its calls and
 * a user turn's `tool_result` blocks the tool turns answering them. Server
 * tools (web search, code execution, ...) and image or document blocks are
 * refused by name, never dropped.
 */
import { arrayOf, bool, isPlainObject, json, literal, oneOf, optional, record, str, type Shape } from '../../protocol/shape.ts'
import { MAX_CHAT_TOOLS, MAX_TOOL_CALL_ID_CHARS, MAX_TOOL_DESCRIPTION_CHARS, type ChatMessage, type ChatTool, type ToolCall, type ToolChoice } from '../../protocol/task/chat.ts'
import { HttpError } from '../api/errors.ts'
import { loose } from '../api/loose.ts'
import { MAX_PROMPT_CHARS } from '../openai/constants.ts'
import { MAX_CONTENT_BLOCKS } from './constants.ts'

const text = str({ max: MAX_PROMPT_CHARS })
const toolName = str({ min: 1, max: 128, pattern: /^[a-zA-Z0-9_-]{1,128}$/ })
const toolId = str({ min: 1, max: MAX_TOOL_CALL_ID_CHARS })
const schema = record(json({ maxDepth: 32, maxItems: 4096 }), { max: 256 })

function unsupported (path: string, what: string): never {
  throw new HttpError('unsupported-parameter', `${path}: ${what} not supported by Mycel`)
}

export const toolsShape: Shape<ChatTool[]> = arrayOf((value, path) => {
  const type = isPlainObject(value) ? value.type : undefined
  if (type != null && type !== 'custom') unsupported(`${path}.type`, `"${String(type).slice(0, 40)}" (server tools) are`)
  const t = loose({ type: optional(literal('custom')), name: toolName, description: optional(str({ max: MAX_TOOL_DESCRIPTION_CHARS })), input_schema: schema })(value, path)
  return { name: t.name, ...(t.description != null ? { description: t.description } : {}), parameters: t.input_schema }
}, { max: MAX_CHAT_TOOLS })

export interface ChoiceOptions { toolChoice: ToolChoice, parallelToolCalls?: false }

export const toolChoiceShape: Shape<ChoiceOptions> = (value, path) => {
  const c = loose({ type: oneOf(['auto', 'any', 'tool', 'none'] as const), name: optional(toolName), disable_parallel_tool_use: optional(bool) })(value, path)
  const one = c.disable_parallel_tool_use === true ? { parallelToolCalls: false as const } : {}
  if (c.type === 'tool') {
    if (c.name == null) throw new HttpError('malformed', `${path}.name: a "tool" choice names the tool`)
    return { toolChoice: { name: c.name }, ...one }
  }
  return { toolChoice: c.type === 'any' ? 'required' : c.type, ...one }
}

/** A tool result's content: a string, or text blocks (joined). */
const resultContent: Shape<string> = (value, path) => {
  if (value == null) return ''
  if (typeof value === 'string') return text(value, path)
  const blocks = arrayOf((b, p) => {
    if (isPlainObject(b) && b.type !== 'text') unsupported(`${p}.type`, `"${String(b.type).slice(0, 32)}" blocks in a tool result are`)
    return loose({ type: literal('text'), text })(b, p).text
  }, { max: MAX_CONTENT_BLOCKS })(value, path)
  return text(blocks.join(''), path)
}

type Block = { type: 'text', text: string } | { type: 'tool_use', call: ToolCall } | { type: 'tool_result', id: string, content: string }

function block (value: unknown, path: string, role: 'user' | 'assistant'): Block {
  const type = isPlainObject(value) ? value.type : undefined
  if (type === 'text') return { type: 'text', text: loose({ type: literal('text'), text })(value, path).text }
  if (type === 'tool_use' && role === 'assistant') {
    const u = loose({ type: literal('tool_use'), id: toolId, name: toolName, input: json({ maxDepth: 32, maxItems: 10_000 }) })(value, path)
    return { type: 'tool_use', call: { id: u.id, name: u.name, arguments: JSON.stringify(u.input ?? {}) } }
  }
  if (type === 'tool_result' && role === 'user') {
    const r = loose({ type: literal('tool_result'), tool_use_id: toolId, content: optional(resultContent), is_error: optional(bool) })(value, path)
    // the model reads an error as text that says so; the chat turn has no flag for it
    return { type: 'tool_result', id: r.tool_use_id, content: r.is_error === true ? `Error: ${r.content ?? ''}` : r.content ?? '' }
  }
  if (type === 'tool_use' || type === 'tool_result') throw new HttpError('malformed', `${path}.type: "${type}" blocks belong in ${type === 'tool_use' ? 'assistant' : 'user'} turns`)
  return unsupported(`${path}.type`, `"${String(type ?? '').slice(0, 32)}" content blocks are`)
}

/** One Anthropic turn as chat messages: tool results first (they answer the turn before), then the text. */
export function turnMessages (role: 'user' | 'assistant', content: unknown, path: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role, content: text(content, path) }]
  const blocks = arrayOf((b, p) => block(b, p, role), { min: 1, max: MAX_CONTENT_BLOCKS })(content, path)
  const joined = text(blocks.map(b => b.type === 'text' ? b.text : '').join(''), path)
  if (role === 'assistant') {
    const calls = blocks.flatMap(b => b.type === 'tool_use' ? [b.call] : [])
    return [{ role: 'assistant', content: joined, ...(calls.length > 0 ? { toolCalls: calls } : {}) }]
  }
  const results: ChatMessage[] = blocks.flatMap(b => b.type === 'tool_result' ? [{ role: 'tool' as const, toolCallId: b.id, content: b.content }] : [])
  return results.length > 0 && !blocks.some(b => b.type === 'text') ? results : [...results, { role: 'user', content: joined }]
}

/** `system`: a string, or text blocks (joined). */
export const systemShape: Shape<string> = (value, path) => {
  if (typeof value === 'string') return text(value, path)
  const blocks = arrayOf((b, p) => {
    if (isPlainObject(b) && b.type !== 'text') unsupported(`${p}.type`, `"${String(b.type).slice(0, 32)}" system blocks are`)
    return loose({ type: literal('text'), text })(b, p).text
  }, { min: 1, max: MAX_CONTENT_BLOCKS })(value, path)
  return text(blocks.join(''), path)
}
