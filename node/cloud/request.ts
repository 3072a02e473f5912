/**
 * What goes out to the endpoint: a task's input turned into an OpenAI
 * request body. Narrow on purpose: plain text chat (`llm.chat`) and
 * completion (`llm.complete`); tools, tool messages and structured output
 * stay in the org.
 */
import { CloudConfigError } from './errors.ts'

export const CLOUD_KINDS = ['llm.chat', 'llm.complete'] as const
export type CloudKind = typeof CLOUD_KINDS[number]

export interface CloudRequest {
  kind: CloudKind
  /** The endpoint's model name. */
  model: string
  body: Record<string, unknown>
}

const PASSED = { maxTokens: 'max_tokens', temperature: 'temperature', seed: 'seed', topP: 'top_p', presencePenalty: 'presence_penalty', frequencyPenalty: 'frequency_penalty', stop: 'stop' } as const
// a pinned digest names a file the endpoint cannot prove it runs
const KEPT_IN = ['tools', 'toolChoice', 'parallelToolCalls', 'responseFormat', 'logitBias', 'topK', 'modelSha256']

export function isCloudKind (kind: string): kind is CloudKind {
  return (CLOUD_KINDS as readonly string[]).includes(kind)
}

/** The request body for `kind`; `CloudConfigError` for what may not go out. */
export function cloudRequest (kind: CloudKind, remoteModel: string, input: Record<string, unknown>): CloudRequest {
  for (const k of KEPT_IN) if (input[k] != null) throw new CloudConfigError(`The cloud fallback carries plain text only; "${k}" stays in the org`)
  const body: Record<string, unknown> = { model: remoteModel, stream: true }
  for (const [from, to] of Object.entries(PASSED)) if (input[from] != null) body[to] = input[from]
  if (kind === 'llm.complete') {
    if (typeof input.prompt !== 'string') throw new CloudConfigError('llm.complete needs a prompt')
    body.prompt = input.prompt
  } else {
    if (!Array.isArray(input.messages) || input.messages.length === 0) throw new CloudConfigError('llm.chat needs messages')
    body.messages = input.messages.map((m: { role?: unknown, content?: unknown, toolCalls?: unknown }) => {
      if (m.role !== 'system' && m.role !== 'user' && m.role !== 'assistant') throw new CloudConfigError('The cloud fallback carries system, user and assistant messages only')
      if (typeof m.content !== 'string' || m.toolCalls != null) throw new CloudConfigError('The cloud fallback carries text messages only')
      return { role: m.role, content: m.content }
    })
  }
  return { kind, model: remoteModel, body }
}
