/** What callers hand the runtime for each task kind, and what embedding gives back. */
import type { ChatMessage } from './chat.ts'
import type { PenaltyOptions } from './sampling.ts'
import type { TaskPriority } from './scheduler.ts'
import type { ChatToolOptions } from './tools.ts'

export interface TaskOptions {
  /** Registered model name. */
  model: string
  /** @default 'interactive' */
  priority?: TaskPriority
  signal?: AbortSignal
  /** @default RuntimeInit.taskTimeoutMs */
  timeoutMs?: number
  /** Lets `cancel(taskId)` reach the task; must be unique among running tasks. */
  taskId?: string
}

export interface GenerateOptions extends TaskOptions, PenaltyOptions {
  /** @default DEFAULT_MAX_TOKENS */
  maxTokens?: number
  /** 0 (the default) is greedy: the same prompt gives the same text, byte for byte. */
  temperature?: number
  /** Sampling seed when temperature > 0. @default a random one */
  seed?: number
  topK?: number
  topP?: number
  /** Streamed text chunks; their concatenation equals the result's `text`. */
  onText?: (text: string) => void
  /** Generation ends at the first of these (at most MAX_STOP_SEQUENCES, each 1 to MAX_STOP_SEQUENCE_CHARS characters). */
  stop?: string[]
}

export interface CompleteRequest extends GenerateOptions { prompt: string }
export interface ChatRequest extends GenerateOptions, ChatToolOptions {
  messages: ChatMessage[]
  /**
   * The session this turn continues (`PEER_ID/NAME`), stable across its turns
   * (at most MAX_SESSION_KEY_CHARS). Other sessions' tasks spare the sequence
   * it last used, so its next turn still finds its KV state resident
   * (sequence-cache.ts).
   */
  sessionKey?: string
}
export interface EmbedRequest extends TaskOptions { input: string[] }
export interface EmbedResult { embeddings: number[][], usage: { promptTokens: number } }
