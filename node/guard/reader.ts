/**
 * The quarantined reader on this node's runtime: one chat turn with no
 * tools offered, greedy, held to the schema's grammar when fields are asked.
 */
import type { ChatMessage, ResponseFormat } from '../../protocol/task/chat.ts'
import type { ReaderChat } from './quarantine.ts'

/** The part of the runtime the reader uses. */
export interface ReaderRuntime {
  chat: (req: { model: string, messages: ChatMessage[], maxTokens?: number, temperature?: number, responseFormat?: ResponseFormat, signal?: AbortSignal }) => Promise<{ text: string }>
}

export function runtimeReader (runtime: ReaderRuntime, model: string): ReaderChat {
  return async (req) => (await runtime.chat({
    model,
    messages: req.messages,
    maxTokens: req.maxTokens,
    temperature: 0,
    ...(req.responseFormat != null ? { responseFormat: req.responseFormat } : {}),
    ...(req.signal != null ? { signal: req.signal } : {})
  })).text
}
