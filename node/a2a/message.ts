/**
 * How an A2A message becomes a Mycel task. The message's text parts, joined,
 * go where the kind reads text (`TEXT_FIELDS`: `prompt`, a user message for
 * `llm.chat`, `query`, ...); a data part (a JSON object) is the kind's input
 * for kinds that take structured input (`tool.call`). Metadata under
 * `mycel` (on the request or the message) names the kind, model, executor
 * and extra input; without it a message is `llm.chat` on the first model
 * the mesh offers.
 *
 * Parsed before any task exists, so a message Mycel cannot run is refused
 * with JSON-RPC `-32602` (or `-32005` for file parts) rather than becoming a
 * failed task.
 *
 * @example
 * messageTask(request, offers)
 * // { kind: 'llm.chat', model: 'tiny', input: { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] } }
 */
import type { Message, SendMessageRequest } from '@a2a-js/sdk'
import { ContentTypeNotSupportedError, RequestMalformedError } from '@a2a-js/sdk/errors'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { isPlainObject, json, object, oneOf, optional, parse, record, str, type Infer } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { KIND } from '../policy/patterns.ts'
import type { TaskOffer } from '../tasks/index.ts'
import { DEFAULT_KIND, MAX_MESSAGE_PARTS, MAX_MESSAGE_TEXT_CHARS, TEXT_FIELDS } from './constants.ts'

const Input = record(json({ maxDepth: 12, maxItems: 100_000 }), { max: 64 })

/** `metadata.mycel`: what to run, where. Every field optional. */
const MycelMetadata = object({
  kind: optional(str({ min: 1, max: 64, pattern: KIND })),
  model: optional(str({ min: 1, max: 128 })),
  /** Pins the executor (a peer id). */
  peer: optional(str({ min: 1, max: 128 })),
  /** More input for the kind, e.g. `{ maxTokens: 16, temperature: 0 }`. */
  input: optional(Input),
  dataClass: optional(oneOf(DATA_CLASSES)),
  collection: optional(str({ min: 1, max: 128 }))
})
export type MycelMetadata = Infer<typeof MycelMetadata>

/** A task as the router takes it (`RunSpec` without its signal and events). */
export interface MessageTask {
  kind: string
  model?: string
  input: Record<string, unknown>
  peer?: string
  dataClass?: MycelMetadata['dataClass']
  collection?: string
}

const usesModel = (kind: string): boolean => kind.startsWith('llm.')

function malformed (message: string): Error {
  return new RequestMalformedError(message)
}

function metadataOf (request: SendMessageRequest, message: Message): MycelMetadata {
  const raw: unknown = request.metadata?.mycel ?? message.metadata?.mycel
  if (raw === undefined) return {}
  try {
    return parse(MycelMetadata, raw, 'metadata.mycel')
  } catch (err) {
    if (err instanceof MalformedMessageError) throw malformed(err.message)
    throw err
  }
}

/** The message's text (parts joined) and its one data part, bounded. */
function contentOf (message: Message): { text: string, data?: Record<string, unknown> } {
  if (message.parts.length === 0) throw malformed('message.parts: expected at least one part')
  if (message.parts.length > MAX_MESSAGE_PARTS) throw malformed(`message.parts: at most ${MAX_MESSAGE_PARTS} parts`)
  const texts: string[] = []
  let size = 0
  let data: Record<string, unknown> | undefined
  for (const part of message.parts) {
    const c = part.content
    if (c?.$case === 'text') {
      size += c.value.length
      if (size > MAX_MESSAGE_TEXT_CHARS) throw malformed(`message.parts: at most ${MAX_MESSAGE_TEXT_CHARS} characters of text`)
      texts.push(c.value)
    } else if (c?.$case === 'data') {
      if (data != null) throw malformed('message.parts: at most one data part')
      if (!isPlainObject(c.value)) throw malformed('message.parts: a data part must hold a JSON object')
      try {
        data = parse(Input, c.value, 'message.parts.data')
      } catch (err) {
        if (err instanceof MalformedMessageError) throw malformed(err.message)
        throw err
      }
    } else if (c?.$case === 'raw' || c?.$case === 'url') {
      throw new ContentTypeNotSupportedError('Mycel takes text and JSON data parts, not files')
    } else {
      throw malformed('message.parts: a part has no content')
    }
  }
  return { text: texts.join('\n'), ...(data != null ? { data } : {}) }
}

/** The model a kind runs on when the message names none: the first the mesh offers for it. */
function defaultModel (kind: string, offers: TaskOffer[]): string | undefined {
  return offers.find(o => o.kind === kind)?.models[0]
}

export function messageTask (request: SendMessageRequest, offers: TaskOffer[]): MessageTask {
  const message = request.message
  if (message == null) throw malformed('message: required')
  const meta = metadataOf(request, message)
  const { text, data } = contentOf(message)
  const kind = meta.kind ?? DEFAULT_KIND
  const input: Record<string, unknown> = { ...data, ...meta.input }
  const model = meta.model ?? (typeof input.model === 'string' ? input.model : undefined) ?? (usesModel(kind) ? defaultModel(kind, offers) : undefined)
  if (usesModel(kind)) {
    if (model == null) throw malformed(`No member offers a model for ${kind}; name one in metadata.mycel.model`)
    input.model = model
  }
  const field = TEXT_FIELDS[kind]
  if (field != null && text !== '') {
    if (field === 'messages') input.messages = [...(Array.isArray(input.messages) ? input.messages : []), { role: 'user', content: text }]
    else if (field === 'input') input.input = [text]
    else input[field] = text
  } else if (field != null && input[field] == null) {
    throw malformed(`message.parts: ${kind} needs a text part`)
  } else if (field == null && data == null && meta.input == null) {
    throw malformed(`message.parts: ${kind} takes its input as a data part (a JSON object)`)
  }
  return {
    kind,
    input,
    ...(model != null ? { model } : {}),
    ...(meta.peer != null ? { peer: meta.peer } : {}),
    ...(meta.dataClass != null ? { dataClass: meta.dataClass } : {}),
    ...(meta.collection != null ? { collection: meta.collection } : {})
  }
}
