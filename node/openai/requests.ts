/**
 * Request bodies of the OpenAI API, checked before anything runs: types and
 * bounds of every field we use, with the offending field named in the 400.
 * Unlike the wire shapes, unknown fields are ignored (clients send many we
 * have no use for: `user`, `metadata`, ...), but fields that would change the
 * answer and that the mesh cannot honour (`logprobs`, the deprecated
 * `functions`, `n > 1` with `stream`, ...) are refused rather than silently
 * dropped; their neutral values (`false`, `[]`) change nothing and pass.
 * Repeat penalties, `logit_bias`, `stop`, tools and response formats
 * (tools.ts) are honoured, within OpenAI's bounds, and `n` (up to
 * `MAX_CHOICES`) runs one task per choice.
 */
import { arrayOf, bool, isPlainObject, literal, nullable, num, oneOf, optional, str, uint, type Shape } from '../../protocol/shape.ts'
import { loose } from '../api/loose.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { OpenAiRequestError } from './errors.ts'
import { InvalidRequestError, validateChatTools } from '../runtime/index.ts'
import type { ChatMessage, ChatToolOptions } from '../../protocol/task/chat.ts'
import { chatToolOptions, openAiParam, toolCallIdField, toolCallsField, toolCallsOf, toolFields } from './tools.ts'
import { MAX_CHAT_MESSAGES, MAX_CHOICES, MAX_EMBED_INPUTS, MAX_LOGIT_BIAS_TOKENS, MAX_EMBED_INPUT_CHARS, MAX_MODEL_NAME_CHARS, MAX_PROMPT_CHARS, MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_CHARS } from './constants.ts'

/** Message content: a string, or an array of `{ type: 'text', text }` parts (joined). */
const content: Shape<string> = (value, path) => {
  if (typeof value === 'string') return str({ max: MAX_PROMPT_CHARS })(value, path)
  const parts = arrayOf(loose({ type: literal('text'), text: str({ max: MAX_PROMPT_CHARS }) }), { min: 1, max: 64 })(value, path)
  return str({ max: MAX_PROMPT_CHARS })(parts.map(p => p.text).join(''), path)
}

/** A token id as a JSON key: decimal, no leading zeros (the runtime's own rule). */
const TOKEN_ID = /^(0|[1-9][0-9]{0,9})$/

/** Token id (decimal string, as JSON object keys are) -> bias in [-100, 100], at most OpenAI's 1,024 entries; errors name `logit_bias` itself. */
const logitBias: Shape<Record<string, number>> = (value, path) => {
  const bad = (why: string): never => { throw new MalformedMessageError(`${path}: ${why}`) }
  if (!isPlainObject(value)) bad('expected a map of token ids to numbers')
  const bias = value as Record<string, unknown>
  const out: Record<string, number> = Object.create(null)
  const keys = Object.keys(bias)
  if (keys.length > MAX_LOGIT_BIAS_TOKENS) bad(`at most ${MAX_LOGIT_BIAS_TOKENS} tokens`)
  for (const key of keys) {
    if (!TOKEN_ID.test(key)) bad(`keys must be token ids, got "${key.slice(0, 16)}"`)
    const v = bias[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < -100 || v > 100) bad(`the bias of token ${key} must be a number from -100 to 100`)
    out[key] = v as number
  }
  return out
}

/** `stop`: one string or up to OpenAI's four; empty strings are no stop at all. */
export const stopSequences: Shape<string[]> = (value, path) => {
  const one = str({ max: MAX_STOP_SEQUENCE_CHARS })
  const all = typeof value === 'string' ? [one(value, path)] : arrayOf(one, { max: MAX_STOP_SEQUENCES })(value, path)
  return all.filter(s => s !== '')
}

const sampling = {
  model: str({ min: 1, max: MAX_MODEL_NAME_CHARS }),
  max_tokens: optional(nullable(uint({ min: 1, max: 1_000_000 }))),
  temperature: optional(nullable(num({ min: 0, max: 2 }))),
  top_p: optional(nullable(num({ min: 0, max: 1 }))),
  seed: optional(nullable(uint({ max: 2 ** 32 - 1 }))),
  stream: optional(nullable(bool)),
  stream_options: optional(nullable(loose({ include_usage: optional(nullable(bool)) }))),
  n: optional(nullable(uint({ min: 1, max: MAX_CHOICES }))),
  stop: optional(nullable(stopSequences)),
  // refused when they would change the answer (see the module comment)
  logprobs: optional(nullable(unsupportedUnless(false, 'log probabilities'))),
  presence_penalty: optional(nullable(num({ min: -2, max: 2 }))),
  frequency_penalty: optional(nullable(num({ min: -2, max: 2 }))),
  logit_bias: optional(nullable(logitBias))
}

const ChatBody = loose({
  ...sampling,
  messages: arrayOf(loose({
    role: oneOf(['system', 'developer', 'user', 'assistant', 'tool'] as const),
    // an assistant message that only calls tools has `content: null`
    content: optional(nullable(content)),
    tool_calls: toolCallsField,
    tool_call_id: toolCallIdField
  }), { min: 1, max: MAX_CHAT_MESSAGES }),
  max_completion_tokens: optional(nullable(uint({ min: 1, max: 1_000_000 }))),
  ...toolFields,
  // the deprecated forms of `tools` and `tool_choice`
  functions: optional(nullable(unsupportedUnlessEmpty('functions'))),
  function_call: optional(nullable(unsupportedUnless('none', 'function_call (use tool_choice)')))
})

const CompletionBody = loose({
  ...sampling,
  prompt: (value: unknown, path: string) => typeof value === 'string'
    ? str({ max: MAX_PROMPT_CHARS })(value, path)
    : arrayOf(str({ max: MAX_PROMPT_CHARS }), { min: 1, max: 1 })(value, path)[0] as string,
  echo: optional(nullable(unsupportedUnless(false, 'echo'))),
  suffix: optional(nullable(unsupportedUnless('', 'suffix'))),
  best_of: optional(nullable(literal(1)))
})

const EmbeddingsBody = loose({
  model: str({ min: 1, max: MAX_MODEL_NAME_CHARS }),
  input: (value: unknown, path: string) => typeof value === 'string'
    ? [str({ max: MAX_EMBED_INPUT_CHARS })(value, path)]
    : arrayOf(str({ max: MAX_EMBED_INPUT_CHARS }), { min: 1, max: MAX_EMBED_INPUTS })(value, path),
  encoding_format: optional(oneOf(['float', 'base64'] as const)),
  dimensions: optional(nullable(unsupportedUnless(undefined, 'choosing dimensions')))
})

export function unsupportedUnlessEmpty (what: string): Shape<unknown> {
  return (value, path) => {
    if (value === '' || (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0)) return value
    throw new OpenAiRequestError('unsupported-parameter', `${what} are not supported by Mycel`, path)
  }
}

export function unsupportedUnless (allowed: unknown, what: string): Shape<unknown> {
  return (value, path) => {
    if (value === allowed) return value
    throw new OpenAiRequestError('unsupported-parameter', `${what}: not supported by Mycel`, path)
  }
}

/** Runs a shape over a body, turning shape errors into 400s that name the field (`param`). */
export function checkBody<T> (shape: Shape<T>, value: unknown): T {
  if (!isPlainObject(value)) throw new OpenAiRequestError('malformed', 'The request body must be a JSON object')
  try {
    return shape(value, '')
  } catch (err) {
    if (!(err instanceof MalformedMessageError)) throw err
    const param = /^([^:]+): /.exec(err.message)?.[1] ?? null
    throw new OpenAiRequestError('malformed', `Invalid request: ${err.message}`, param)
  }
}

export interface Sampling {
  maxTokens?: number, temperature?: number, topP?: number, seed?: number
  presencePenalty?: number, frequencyPenalty?: number, logitBias?: Record<string, number>, stop?: string[]
}

export interface GenerationRequest {
  model: string
  /** Choices asked for, each its own task. */
  n: number
  stream: boolean
  includeUsage: boolean
  sampling: Sampling
}

export interface ChatRequest extends GenerationRequest {
  messages: ChatMessage[]
  tools: ChatToolOptions
}

export interface CompletionRequest extends GenerationRequest {
  prompt: string
}

export interface EmbeddingsRequest { model: string, input: string[], encoding: 'float' | 'base64' }

interface GenerationBody {
  model: string, max_tokens?: number | null, temperature?: number | null, top_p?: number | null, seed?: number | null
  presence_penalty?: number | null, frequency_penalty?: number | null, logit_bias?: Record<string, number> | null
  stop?: string[] | null, n?: number | null
  stream?: boolean | null, stream_options?: { include_usage?: boolean | null } | null
}

function generation (b: GenerationBody, maxTokens?: number | null): GenerationRequest {
  const s: Sampling = {}
  const max = maxTokens ?? b.max_tokens
  if (max != null) s.maxTokens = max
  if (b.temperature != null) s.temperature = b.temperature
  if (b.top_p != null) s.topP = b.top_p
  if (b.seed != null) s.seed = b.seed
  // neutral values are left out, so a task carries only what changes its answer
  if (b.presence_penalty != null && b.presence_penalty !== 0) s.presencePenalty = b.presence_penalty
  if (b.frequency_penalty != null && b.frequency_penalty !== 0) s.frequencyPenalty = b.frequency_penalty
  if (b.logit_bias != null && Object.keys(b.logit_bias).length > 0) s.logitBias = { ...b.logit_bias }
  if (b.stop != null && b.stop.length > 0) s.stop = b.stop
  const n = b.n ?? 1
  // one stream carries one choice: the chunks of several would need interleaving no client of ours reads
  if (n > 1 && b.stream === true) throw new OpenAiRequestError('unsupported-parameter', 'n > 1 is not supported with stream: true by Mycel (ask for the whole answer, or stream one choice)', 'n')
  return { model: b.model, n, stream: b.stream === true, includeUsage: b.stream_options?.include_usage === true, sampling: s }
}

export function parseChatRequest (value: unknown): ChatRequest {
  const b = checkBody(ChatBody, value)
  const messages = b.messages.map((m, i): ChatMessage => {
    const text = m.content ?? ''
    if (m.role === 'tool') {
      if (m.tool_call_id == null) throw new OpenAiRequestError('malformed', 'A tool message needs the tool_call_id of the call it answers', `messages[${i}].tool_call_id`)
      return { role: 'tool', toolCallId: m.tool_call_id, content: text }
    }
    if (m.role === 'assistant') {
      const toolCalls = toolCallsOf(m.tool_calls)
      return { role: 'assistant', content: text, ...(toolCalls != null ? { toolCalls } : {}) }
    }
    // the runtime's chat template knows system, user and assistant; `developer` is OpenAI's newer name for system
    return { role: m.role === 'developer' ? 'system' : m.role, content: text }
  })
  const tools = chatToolOptions(b)
  try {
    validateChatTools({ ...tools, messages })
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err
    const param = err.field != null ? openAiParam(err.field) : null
    throw new OpenAiRequestError('malformed', `Invalid request: ${param != null ? err.message.replace(err.field as string, param) : err.message}`, param)
  }
  return { ...generation(b, b.max_completion_tokens), messages, tools }
}

export function parseCompletionRequest (value: unknown): CompletionRequest {
  const b = checkBody(CompletionBody, value)
  return { ...generation(b), prompt: b.prompt }
}

export function parseEmbeddingsRequest (value: unknown): EmbeddingsRequest {
  const b = checkBody(EmbeddingsBody, value)
  return { model: b.model, input: b.input, encoding: b.encoding_format ?? 'float' }
}
