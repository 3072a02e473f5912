/**
 * Request bodies of `POST /v1/responses`
 * (https://platform.openai.com/docs/api-reference/responses/create), checked
 * before anything runs, with the offending field named in the 400 (`param`).
 * Unknown fields are ignored, as in the rest of `/v1/`; fields that would
 * change the answer and that Mycel cannot honour are refused unless neutral:
 * `previous_response_id` and `conversation` (the node keeps no responses:
 * every request carries its whole input, `store: false` semantics), built-in
 * tools (web search, files, computer use), images and files in the input,
 * reasoning effort. Function tools, function-call items and `text.format`
 * map onto `llm.chat`'s function calling (`chat-input.ts`). One extension: `stop`, as in chat completions (the
 * Responses API has none; the Agents SDK passes it through `providerData`).
 */
import { arrayOf, bool, isPlainObject, json, literal, nullable, num, oneOf, optional, record, str, uint, type Shape } from '../../protocol/shape.ts'
import { loose } from '../api/loose.ts'
import { checkBody, OpenAiRequestError, stopSequences, unsupportedUnless, unsupportedUnlessEmpty } from '../openai/index.ts'
import { MAX_MODEL_NAME_CHARS, MAX_PROMPT_CHARS } from '../openai/constants.ts'
import { MAX_CHAT_TOOLS, MAX_TOOL_ARGUMENTS_CHARS, MAX_TOOL_CALL_ID_CHARS, MAX_TOOL_DESCRIPTION_CHARS } from '../../protocol/task/chat.ts'
import { MAX_CONTENT_PARTS, MAX_INPUT_ITEMS, MAX_METADATA_ENTRIES, MAX_METADATA_KEY_CHARS, MAX_METADATA_VALUE_CHARS, MAX_TOOL_NAME_CHARS } from './constants.ts'

/** One turn of the conversation, as the runtime's chat takes it (tool turns included). */
export type InputItem =
  | { type: 'message', role: 'system' | 'user' | 'assistant', content: string }
  | { type: 'function_call', callId: string, name: string, arguments: string }
  | { type: 'function_call_output', callId: string, output: string }

export interface FunctionTool { name: string, description?: string, parameters?: Record<string, unknown>, strict: boolean }
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string }
export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema', name: string, schema: Record<string, unknown>, strict: boolean, description?: string }

export interface ResponsesRequest {
  model: string
  stream: boolean
  instructions: string | null
  items: InputItem[]
  tools: FunctionTool[]
  toolChoice: ToolChoice
  parallelToolCalls: boolean
  textFormat: TextFormat
  metadata: Record<string, string>
  sampling: { maxTokens?: number, temperature?: number, topP?: number, stop?: string[] }
}

const text = str({ max: MAX_PROMPT_CHARS })
const id = str({ min: 1, max: MAX_TOOL_CALL_ID_CHARS })
const name = str({ min: 1, max: MAX_TOOL_NAME_CHARS, pattern: /^[a-zA-Z0-9_-]+$/ })

/** Text parts only: `input_text` (and `output_text`/`refusal` of assistant turns a client echoes back). */
const content: Shape<string> = (value, path) => {
  if (typeof value === 'string') return text(value, path)
  if (!Array.isArray(value)) return text(value, path)
  if (value.length === 0 || value.length > MAX_CONTENT_PARTS) throw new OpenAiRequestError('malformed', `Invalid request: ${path}: expected 1 to ${MAX_CONTENT_PARTS} content parts`, path)
  const parts = value.map((p, i) => {
    const at = `${path}[${i}]`
    const type = isPlainObject(p) ? p.type : undefined
    if (type === 'input_text' || type === 'output_text' || type === 'text') return text((p as { text?: unknown }).text, `${at}.text`)
    if (type === 'refusal') return text((p as { refusal?: unknown }).refusal, `${at}.refusal`)
    throw new OpenAiRequestError('unsupported-parameter', `${at}.type: ${typeof type === 'string' ? `"${type.slice(0, 32)}" content is` : 'content parts other than text are'} not supported by Mycel (text only)`, `${at}.type`)
  })
  return text(parts.join(''), path)
}

const Message = loose({ type: optional(literal('message')), role: oneOf(['system', 'developer', 'user', 'assistant'] as const), content })
const FunctionCall = loose({ type: literal('function_call'), call_id: id, name, arguments: str({ max: MAX_TOOL_ARGUMENTS_CHARS }) })
const FunctionCallOutput = loose({ type: literal('function_call_output'), call_id: id, output: content })

const item: Shape<InputItem> = (value, path) => {
  const type = isPlainObject(value) ? value.type : undefined
  if (type === undefined || type === 'message') {
    const m = Message(value, path)
    // `developer` is OpenAI's newer name for system, which the runtime's chat template knows
    return { type: 'message', role: m.role === 'developer' ? 'system' : m.role, content: m.content }
  }
  if (type === 'function_call') {
    const c = FunctionCall(value, path)
    return { type: 'function_call', callId: c.call_id, name: c.name, arguments: c.arguments }
  }
  if (type === 'function_call_output') {
    const o = FunctionCallOutput(value, path)
    return { type: 'function_call_output', callId: o.call_id, output: o.output }
  }
  if (type === 'item_reference') throw new OpenAiRequestError('unsupported-parameter', `${path}: item references need stored responses; Mycel keeps none (send the items themselves)`, `${path}.type`)
  throw new OpenAiRequestError('unsupported-parameter', `${path}.type: ${typeof type === 'string' ? `"${type.slice(0, 40)}" items are` : 'this item is'} not supported by Mycel`, `${path}.type`)
}

const input: Shape<InputItem[]> = (value, path) => typeof value === 'string'
  ? [{ type: 'message', role: 'user', content: text(value, path) }]
  : arrayOf(item, { min: 1, max: MAX_INPUT_ITEMS })(value, path)

const tool: Shape<FunctionTool> = (value, path) => {
  const type = isPlainObject(value) ? value.type : undefined
  if (type !== 'function') throw new OpenAiRequestError('unsupported-parameter', `${path}.type: ${typeof type === 'string' ? `"${type.slice(0, 40)}" tools are` : 'tools other than functions are'} not supported by Mycel (function tools only)`, `${path}.type`)
  const t = loose({
    type: literal('function'),
    name,
    description: optional(nullable(str({ max: MAX_TOOL_DESCRIPTION_CHARS }))),
    parameters: optional(nullable(record(json({ maxDepth: 32, maxItems: 10_000 }), { max: 256 }))),
    strict: optional(nullable(bool))
  })(value, path)
  return { name: t.name, strict: t.strict !== false, ...(t.description != null ? { description: t.description } : {}), ...(t.parameters != null ? { parameters: t.parameters } : {}) }
}

const toolChoice: Shape<ToolChoice> = (value, path) => {
  if (typeof value === 'string') return oneOf(['auto', 'none', 'required'] as const)(value, path)
  const type = isPlainObject(value) ? value.type : undefined
  if (type !== 'function') throw new OpenAiRequestError('unsupported-parameter', `${path}: only "auto", "none", "required" or a function tool can be chosen`, path)
  return { name: loose({ type: literal('function'), name })(value, path).name }
}

const textFormat: Shape<TextFormat> = (value, path) => {
  const type = isPlainObject(value) ? value.type : undefined
  if (type === 'text' || type === 'json_object') return { type }
  const f = loose({
    type: literal('json_schema'),
    name: str({ min: 1, max: MAX_TOOL_NAME_CHARS }),
    schema: record(json({ maxDepth: 32, maxItems: 10_000 }), { max: 256 }),
    strict: optional(nullable(bool)),
    description: optional(nullable(str({ max: MAX_TOOL_DESCRIPTION_CHARS })))
  })(value, path)
  return { type: 'json_schema', name: f.name, schema: f.schema, strict: f.strict === true, ...(f.description != null ? { description: f.description } : {}) }
}

/** Only "no reasoning": Mycel's models do not take an effort. */
const reasoning: Shape<unknown> = (value, path) => {
  const effort = isPlainObject(value) ? value.effort : undefined
  if (effort == null || effort === 'none') return value
  throw new OpenAiRequestError('unsupported-parameter', `${path}.effort: reasoning effort is not supported by Mycel`, `${path}.effort`)
}

const statelessOnly = (what: string): Shape<unknown> => (value, path) => {
  if (value == null || value === '') return value
  throw new OpenAiRequestError('unsupported-parameter', `${path}: ${what}; Mycel keeps no responses (store: false): send the whole conversation as input`, path)
}

const ResponsesBody = loose({
  model: str({ min: 1, max: MAX_MODEL_NAME_CHARS }),
  input,
  instructions: optional(nullable(text)),
  max_output_tokens: optional(nullable(uint({ min: 1, max: 1_000_000 }))),
  temperature: optional(nullable(num({ min: 0, max: 2 }))),
  top_p: optional(nullable(num({ min: 0, max: 1 }))),
  stream: optional(nullable(bool)),
  store: optional(nullable(bool)),
  previous_response_id: optional(statelessOnly('previous_response_id needs a stored response')),
  conversation: optional(statelessOnly('conversations need stored state')),
  prompt: optional(nullable(unsupportedUnlessEmpty('stored prompt templates'))),
  background: optional(nullable(unsupportedUnless(false, 'background responses'))),
  tools: optional(nullable(arrayOf(tool, { max: MAX_CHAT_TOOLS }))),
  tool_choice: optional(nullable(toolChoice)),
  parallel_tool_calls: optional(nullable(bool)),
  text: optional(nullable(loose({ format: optional(nullable(textFormat)) }))),
  reasoning: optional(nullable(reasoning)),
  top_logprobs: optional(nullable(unsupportedUnless(0, 'log probabilities'))),
  stop: optional(nullable(stopSequences)),
  metadata: optional(nullable(record(str({ max: MAX_METADATA_VALUE_CHARS }), { max: MAX_METADATA_ENTRIES, keyMax: MAX_METADATA_KEY_CHARS })))
})

export function parseResponsesRequest (value: unknown): ResponsesRequest {
  const b = checkBody(ResponsesBody, value)
  const tools = b.tools ?? []
  const toolChoice = b.tool_choice ?? 'auto'
  if (typeof toolChoice === 'object' && !tools.some(t => t.name === toolChoice.name)) {
    throw new OpenAiRequestError('malformed', `Invalid request: tool_choice names "${toolChoice.name}", which is not among the tools`, 'tool_choice')
  }
  if (toolChoice === 'required' && tools.length === 0) throw new OpenAiRequestError('malformed', 'Invalid request: tool_choice "required" needs at least one tool', 'tool_choice')
  const sampling: ResponsesRequest['sampling'] = {}
  if (b.max_output_tokens != null) sampling.maxTokens = b.max_output_tokens
  if (b.temperature != null) sampling.temperature = b.temperature
  if (b.top_p != null) sampling.topP = b.top_p
  if (b.stop != null && b.stop.length > 0) sampling.stop = b.stop
  return {
    model: b.model,
    stream: b.stream === true,
    instructions: b.instructions ?? null,
    items: b.input,
    tools,
    toolChoice,
    parallelToolCalls: b.parallel_tool_calls !== false,
    textFormat: b.text?.format ?? { type: 'text' },
    metadata: b.metadata ?? {},
    sampling
  }
}
