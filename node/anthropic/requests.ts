/**
 * Request bodies of `POST /v1/messages` (https://docs.anthropic.com/en/api/messages),
 * checked before anything runs: types and bounds of every field used, the
 * offending field named in the 400. Unknown fields are ignored (`metadata`,
 * ...); fields that would change the answer and that Mycel cannot honour
 * (extended thinking, image or document blocks, server tools) are refused
 * rather than dropped. Client tools map onto `llm.chat`'s function calling
 * (`tools.ts`).
 */
import { arrayOf, bool, isPlainObject, json, num, oneOf, optional, str, uint } from '../../protocol/shape.ts'
import type { ChatMessage, ChatTool, ToolChoice } from '../../protocol/task/chat.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { HttpError } from '../api/errors.ts'
import { loose } from '../api/loose.ts'
import { MAX_CHAT_MESSAGES, MAX_MODEL_NAME_CHARS } from '../openai/constants.ts'
import { MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_CHARS } from './constants.ts'
import { systemShape, toolChoiceShape, toolsShape, turnMessages } from './tools.ts'

const MessagesBody = loose({
  model: str({ min: 1, max: MAX_MODEL_NAME_CHARS }),
  max_tokens: uint({ min: 1, max: 1_000_000 }),
  // each turn's content is checked and mapped by `turnMessages`
  messages: arrayOf(loose({ role: oneOf(['user', 'assistant'] as const), content: json({ maxDepth: 40, maxItems: 100_000 }) }), { min: 1, max: MAX_CHAT_MESSAGES }),
  system: optional(systemShape),
  temperature: optional(num({ min: 0, max: 1 })),
  top_p: optional(num({ min: 0, max: 1 })),
  top_k: optional(uint({ min: 1, max: 100_000 })),
  stop_sequences: optional(arrayOf(str({ min: 1, max: MAX_STOP_SEQUENCE_CHARS }), { max: MAX_STOP_SEQUENCES })),
  stream: optional(bool),
  tools: optional(toolsShape),
  tool_choice: optional(toolChoiceShape),
  thinking: optional((value: unknown, path: string) => {
    if (isPlainObject(value) && value.type === 'disabled') return value
    throw new HttpError('unsupported-parameter', `${path}: extended thinking is not supported by Mycel`)
  })
})

export interface MessagesRequest {
  model: string
  stream: boolean
  stopSequences: string[]
  /** The chat as the runtime takes it: `system` first, then the turns (tool calls and results included). */
  messages: ChatMessage[]
  sampling: { maxTokens: number, temperature?: number, topP?: number, topK?: number }
  /** The function-calling fields of the `llm.chat` input; empty without tools. */
  tools: { tools?: ChatTool[], toolChoice?: ToolChoice, parallelToolCalls?: false }
}

export function parseMessagesRequest (value: unknown): MessagesRequest {
  if (!isPlainObject(value)) throw new HttpError('malformed', 'The request body must be a JSON object')
  let b
  let messages: ChatMessage[]
  try {
    b = MessagesBody(value, '')
    messages = b.messages.flatMap((m, i) => turnMessages(m.role, m.content, `messages[${i}].content`))
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new HttpError('malformed', `Invalid request: ${err.message}`)
    throw err
  }
  const sampling: MessagesRequest['sampling'] = { maxTokens: b.max_tokens }
  if (b.temperature != null) sampling.temperature = b.temperature
  if (b.top_p != null) sampling.topP = b.top_p
  if (b.top_k != null) sampling.topK = b.top_k
  const offered = b.tools ?? []
  const choice = b.tool_choice
  if (choice != null && typeof choice.toolChoice === 'object' && !offered.some(t => t.name === (choice.toolChoice as { name: string }).name)) {
    throw new HttpError('malformed', `Invalid request: tool_choice.name: "${choice.toolChoice.name}" is not among the tools`)
  }
  const tools: MessagesRequest['tools'] = offered.length > 0 ? { tools: offered, ...(choice ?? {}) } : {}
  return {
    model: b.model,
    stream: b.stream === true,
    stopSequences: b.stop_sequences ?? [],
    messages: [...(b.system != null && b.system !== '' ? [{ role: 'system' as const, content: b.system }] : []), ...messages],
    sampling,
    tools
  }
}
