/**
 * One streamed request to the OpenAI-compatible endpoint, through the
 * official `openai` client (no retries, its logger off). Whatever comes
 * back is bounded (characters, chunks, one deadline for the whole stream)
 * and checked chunk by chunk; every failure becomes a `CloudEndpointError`
 * whose message names the endpoint and the failure, never the key or the
 * endpoint's own words. The client itself loads on the first call.
 */
import type OpenAISdk from 'openai'
import { lazyModule } from '../lazy.ts'
import { CLOUD_TIMEOUT_MS, MAX_CLOUD_CHUNKS, MAX_CLOUD_REPLY_CHARS } from './constants.ts'
import { CloudEndpointError } from './errors.ts'
import type { CloudRequest } from './request.ts'

/** The `openai` package (over 200 modules) loads on the first cloud call, not at start. */
export const loadOpenAi = lazyModule('openai', async () => (await import('openai')).default)

export interface CloudCallInit {
  url: string
  key: string
  /** @default CLOUD_TIMEOUT_MS */
  timeoutMs?: number
  signal?: AbortSignal
  onText?: (text: string) => void
}

export interface CloudReply {
  text: string
  finishReason: string
  usage?: { promptTokens: number, completionTokens: number }
}

export async function callCloud (req: CloudRequest, init: CloudCallInit): Promise<CloudReply> {
  const timeoutMs = init.timeoutMs ?? CLOUD_TIMEOUT_MS
  const deadline = AbortSignal.timeout(timeoutMs)
  const signal = init.signal != null ? AbortSignal.any([init.signal, deadline]) : deadline
  const OpenAI = await loadOpenAi()
  const client = new OpenAI({ baseURL: init.url, apiKey: init.key, maxRetries: 0, timeout: timeoutMs, logLevel: 'off' })
  const where = `cloud endpoint ${init.url}`
  const body = { ...req.body, stream_options: { include_usage: true } }
  let text = ''
  let finishReason: string | undefined
  let usage: CloudReply['usage']
  let chunks = 0
  try {
    const stream = req.kind === 'llm.chat'
      ? await client.chat.completions.create(body as any, { signal })
      : await client.completions.create(body as any, { signal })
    for await (const chunk of stream as unknown as AsyncIterable<unknown>) {
      if (++chunks > MAX_CLOUD_CHUNKS) throw new CloudEndpointError('too-large', `The ${where} streamed more than ${MAX_CLOUD_CHUNKS} chunks`)
      const c = chunkOf(chunk, req.kind)
      if (c == null) throw new CloudEndpointError('malformed', `The ${where} streamed a chunk that is not an OpenAI completion chunk`)
      if (c.usage != null) usage = c.usage
      if (c.text !== '') {
        text += c.text
        if (text.length > MAX_CLOUD_REPLY_CHARS) throw new CloudEndpointError('too-large', `The ${where} streamed more than ${MAX_CLOUD_REPLY_CHARS} characters`)
        init.onText?.(c.text)
      }
      if (c.finishReason != null) finishReason = c.finishReason
    }
  } catch (err) {
    throw endpointError(OpenAI, err, where, timeoutMs, deadline, init.signal)
  }
  if (finishReason == null) throw new CloudEndpointError('malformed', `The ${where} ended its stream without a finish reason`)
  return { text, finishReason, ...(usage != null ? { usage } : {}) }
}

interface Chunk { text: string, finishReason?: string, usage?: CloudReply['usage'] }

/** One stream chunk, checked; null when it is not one. */
function chunkOf (chunk: unknown, kind: CloudRequest['kind']): Chunk | null {
  if (chunk == null || typeof chunk !== 'object') return null
  const { choices, usage } = chunk as { choices?: unknown, usage?: unknown }
  if (!Array.isArray(choices) || choices.length > 16) return null
  const out: Chunk = { text: '' }
  const u = usage as { prompt_tokens?: unknown, completion_tokens?: unknown } | null | undefined
  if (u != null) {
    if (!Number.isSafeInteger(u.prompt_tokens) || !Number.isSafeInteger(u.completion_tokens)) return null
    out.usage = { promptTokens: u.prompt_tokens as number, completionTokens: u.completion_tokens as number }
  }
  const first = choices[0] as { delta?: { content?: unknown }, text?: unknown, finish_reason?: unknown } | undefined
  if (first == null) return out
  if (typeof first !== 'object') return null
  const t = kind === 'llm.chat' ? first.delta?.content : first.text
  if (t != null && typeof t !== 'string') return null
  out.text = t ?? ''
  if (first.finish_reason != null) {
    if (typeof first.finish_reason !== 'string' || first.finish_reason.length > 64) return null
    out.finishReason = first.finish_reason
  }
  return out
}

function endpointError (OpenAI: typeof OpenAISdk, err: unknown, where: string, timeoutMs: number, deadline: AbortSignal, caller: AbortSignal | undefined): Error {
  if (err instanceof CloudEndpointError) return err
  // the caller gave up: that is a cancel, not the endpoint's fault
  if (caller?.aborted === true) return caller.reason instanceof Error ? caller.reason : new DOMException('Canceled', 'AbortError')
  if (deadline.aborted || err instanceof OpenAI.APIConnectionTimeoutError) return new CloudEndpointError('timeout', `The ${where} did not answer within ${timeoutMs} ms`)
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') return new CloudEndpointError('status', `The ${where} answered HTTP ${err.status}`, err.status)
  if (err instanceof OpenAI.APIConnectionError) return new CloudEndpointError('unreachable', `The ${where} cannot be reached`)
  // a stream that is not JSON server-sent events, or an error event in it
  return new CloudEndpointError('malformed', `The ${where} sent a reply that is not an OpenAI stream`)
}
