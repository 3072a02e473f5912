/**
 * Request bodies of the Ollama API subset (https://github.com/ollama/ollama/blob/main/docs/api.md),
 * checked before anything runs, with the offending field named in the 400.
 * Unknown fields and options that only tune loading or speed (`num_ctx`,
 * `num_gpu`, `keep_alive`, ...) are ignored, as Ollama itself does; options
 * that would change the answer and that Mycel cannot honour (penalties,
 * `format`, images, tools, thinking) are refused unless neutral.
 */
import { arrayOf, bool, nullable, num, oneOf, optional, str, uint, type Shape } from '../../protocol/shape.ts'
import { HttpError } from '../api/errors.ts'
import { body } from '../api/body.ts'
import { loose } from '../api/loose.ts'
import { MAX_CHAT_MESSAGES, MAX_EMBED_INPUTS, MAX_EMBED_INPUT_CHARS, MAX_MODEL_NAME_CHARS, MAX_PROMPT_CHARS } from '../openai/constants.ts'
import { MAX_OLLAMA_STOPS, MAX_OLLAMA_STOP_CHARS } from './constants.ts'

function neutral (allowed: unknown[], what: string): Shape<unknown> {
  return (value, path) => {
    if (value == null || allowed.includes(value) || (Array.isArray(value) && value.length === 0)) return value
    throw new HttpError('unsupported-parameter', `${path}: ${what} not supported by Mycel`)
  }
}

const Options = loose({
  temperature: optional(nullable(num({ min: 0, max: 5 }))),
  top_p: optional(nullable(num({ min: 0, max: 1 }))),
  top_k: optional(nullable(uint({ max: 100_000 }))),
  seed: optional(nullable(num({ min: -1, max: 2 ** 32 - 1 }))),
  // -1 is "no limit", -2 "fill the context": both leave the runtime's default
  num_predict: optional(nullable(num({ min: -2, max: 1_000_000 }))),
  stop: optional(nullable(arrayOf(str({ min: 1, max: MAX_OLLAMA_STOP_CHARS }), { max: MAX_OLLAMA_STOPS }))),
  repeat_penalty: optional(neutral([1], 'repeat penalty is')),
  presence_penalty: optional(neutral([0], 'presence penalty is')),
  frequency_penalty: optional(neutral([0], 'frequency penalty is'))
})

const model = str({ min: 1, max: MAX_MODEL_NAME_CHARS })
const refusals = {
  format: optional(neutral([''], '`format` (structured output) is')),
  images: optional(neutral([], 'images are')),
  think: optional(neutral([false], 'thinking is'))
}

const ChatBody = loose({
  model,
  messages: arrayOf(loose({ role: oneOf(['system', 'user', 'assistant'] as const), content: str({ max: MAX_PROMPT_CHARS }), images: optional(neutral([], 'images are')), tool_calls: optional(neutral([], 'tool calls are')) }), { min: 1, max: MAX_CHAT_MESSAGES }),
  stream: optional(nullable(bool)),
  options: optional(nullable(Options)),
  tools: optional(neutral([], 'tools are')),
  ...refusals
})

const GenerateBody = loose({
  model,
  prompt: str({ max: MAX_PROMPT_CHARS }),
  system: optional(nullable(str({ max: MAX_PROMPT_CHARS }))),
  raw: optional(nullable(bool)),
  stream: optional(nullable(bool)),
  options: optional(nullable(Options)),
  suffix: optional(neutral([''], '`suffix` is')),
  context: optional(neutral([], '`context` is')),
  template: optional(neutral([''], 'a custom `template` is')),
  ...refusals
})

const EmbedBody = loose({
  model,
  input: (value: unknown, path: string) => typeof value === 'string'
    ? [str({ max: MAX_EMBED_INPUT_CHARS })(value, path)]
    : arrayOf(str({ max: MAX_EMBED_INPUT_CHARS }), { min: 1, max: MAX_EMBED_INPUTS })(value, path),
  truncate: optional(nullable(bool)),
  dimensions: optional(neutral([], 'choosing dimensions is')),
  options: optional(nullable(Options))
})

export interface OllamaSampling { maxTokens?: number, temperature?: number, topP?: number, topK?: number, seed?: number }

export interface OllamaGeneration {
  model: string
  stream: boolean
  stop: string[]
  sampling: OllamaSampling
}

export interface OllamaChatRequest extends OllamaGeneration { messages: Array<{ role: 'system' | 'user' | 'assistant', content: string }> }
export interface OllamaGenerateRequest extends OllamaGeneration { prompt: string, system?: string, raw: boolean }
export interface OllamaEmbedRequest { model: string, input: string[] }

/** Ollama names carry a tag; `name:latest` is the plain name. */
function modelName (name: string): string {
  return name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name
}

function generation (b: { model: string, stream?: boolean | null, options?: { temperature?: number | null, top_p?: number | null, top_k?: number | null, seed?: number | null, num_predict?: number | null, stop?: string[] | null } | null }): OllamaGeneration {
  const o = b.options ?? {}
  const s: OllamaSampling = {}
  if (o.num_predict != null && o.num_predict > 0) s.maxTokens = Math.floor(o.num_predict)
  if (o.temperature != null) s.temperature = o.temperature
  if (o.top_p != null) s.topP = o.top_p
  if (o.top_k != null && o.top_k > 0) s.topK = o.top_k
  if (o.seed != null && o.seed >= 0) s.seed = Math.floor(o.seed)
  // Ollama streams unless told not to
  return { model: modelName(b.model), stream: b.stream !== false, stop: o.stop ?? [], sampling: s }
}

export function parseOllamaChat (value: unknown): OllamaChatRequest {
  const b = body(ChatBody, value, 'chat request')
  return { ...generation(b), messages: b.messages.map(m => ({ role: m.role, content: m.content })) }
}

export function parseOllamaGenerate (value: unknown): OllamaGenerateRequest {
  const b = body(GenerateBody, value, 'generate request')
  return { ...generation(b), prompt: b.prompt, raw: b.raw === true, ...(b.system != null && b.system !== '' ? { system: b.system } : {}) }
}

export function parseOllamaEmbed (value: unknown): OllamaEmbedRequest {
  const b = body(EmbedBody, value, 'embed request')
  return { model: modelName(b.model), input: b.input }
}
