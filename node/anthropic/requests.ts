/**
 * Request bodies of `POST /v1/messages` (https://docs.anthropic.com/en/api/messages),
 * checked before anything runs: types and bounds of every field used, the
 * offending field named in the 400. Unknown fields are ignored (`metadata`,
 * ...); fields that would change the answer and that Mycel cannot honour
 * yet (`tools`, `tool_choice`, extended thinking, image or tool blocks)
 * are refused rather than dropped.
 */
import { arrayOf, bool, isPlainObject, literal, num, oneOf, optional, str, uint, type Shape } from '../../protocol/shape.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { HttpError } from '../api/errors.ts'
import { loose } from '../api/loose.ts'
import { MAX_CHAT_MESSAGES, MAX_MODEL_NAME_CHARS, MAX_PROMPT_CHARS } from '../openai/constants.ts'
import { MAX_CONTENT_BLOCKS, MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_CHARS } from './constants.ts'

const textBlock = loose({ type: literal('text'), text: str({ max: MAX_PROMPT_CHARS }) })

/** Content: a string, or text blocks (joined); other block types are refused by name. */
const content: Shape<string> = (value, path) => {
  if (typeof value === 'string') return str({ max: MAX_PROMPT_CHARS })(value, path)
  if (Array.isArray(value)) {
    value.forEach((b, i) => {
      const type = isPlainObject(b) ? b.type : undefined
      if (typeof type === 'string' && type !== 'text') throw new HttpError('unsupported-parameter', `${path}.${i}.type: "${type.slice(0, 32)}" content blocks are not supported by Mycel (text only)`)
    })
  }
  const blocks = arrayOf(textBlock, { min: 1, max: MAX_CONTENT_BLOCKS })(value, path)
  return str({ max: MAX_PROMPT_CHARS })(blocks.map(b => b.text).join(''), path)
}

function refused (what: string): Shape<unknown> {
  return (value, path) => {
    if (value == null || (Array.isArray(value) && value.length === 0)) return value
    throw new HttpError('unsupported-parameter', `${path}: ${what} not supported by Mycel yet`)
  }
}

const MessagesBody = loose({
  model: str({ min: 1, max: MAX_MODEL_NAME_CHARS }),
  max_tokens: uint({ min: 1, max: 1_000_000 }),
  messages: arrayOf(loose({ role: oneOf(['user', 'assistant'] as const), content }), { min: 1, max: MAX_CHAT_MESSAGES }),
  system: optional(content),
  temperature: optional(num({ min: 0, max: 1 })),
  top_p: optional(num({ min: 0, max: 1 })),
  top_k: optional(uint({ min: 1, max: 100_000 })),
  stop_sequences: optional(arrayOf(str({ min: 1, max: MAX_STOP_SEQUENCE_CHARS }), { max: MAX_STOP_SEQUENCES })),
  stream: optional(bool),
  tools: optional(refused('tools (function calling) are')),
  tool_choice: optional(refused('tool_choice is')),
  thinking: optional((value: unknown, path: string) => {
    if (isPlainObject(value) && value.type === 'disabled') return value
    throw new HttpError('unsupported-parameter', `${path}: extended thinking is not supported by Mycel`)
  })
})

export interface MessagesRequest {
  model: string
  stream: boolean
  stopSequences: string[]
  /** The chat as the runtime takes it: `system` first, then the turns. */
  messages: Array<{ role: 'system' | 'user' | 'assistant', content: string }>
  sampling: { maxTokens: number, temperature?: number, topP?: number, topK?: number }
}

export function parseMessagesRequest (value: unknown): MessagesRequest {
  if (!isPlainObject(value)) throw new HttpError('malformed', 'The request body must be a JSON object')
  let b
  try {
    b = MessagesBody(value, '')
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new HttpError('malformed', `Invalid request: ${err.message}`)
    throw err
  }
  const sampling: MessagesRequest['sampling'] = { maxTokens: b.max_tokens }
  if (b.temperature != null) sampling.temperature = b.temperature
  if (b.top_p != null) sampling.topP = b.top_p
  if (b.top_k != null) sampling.topK = b.top_k
  return {
    model: b.model,
    stream: b.stream === true,
    stopSequences: b.stop_sequences ?? [],
    messages: [...(b.system != null && b.system !== '' ? [{ role: 'system' as const, content: b.system }] : []), ...b.messages],
    sampling
  }
}
