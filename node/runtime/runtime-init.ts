/** The runtime's options, the components it is built over, and what it reports of itself. */
import type { Llama, LlamaGpuType } from 'node-llama-cpp'
import type { Logger } from '../logger.ts'
import type { ModelRegistry, RegisteredModel } from './registry.ts'
import type { SchedulerStats } from './scheduler.ts'
import type { ChunkCoalescerInit } from './stream.ts'

export interface RuntimeInit {
  /** Context sequences (parallel task slots) per loaded model. @default SEQUENCES_PER_MODEL */
  sequences?: number
  /** Unload a model after this long without tasks. @default MODEL_KEEP_ALIVE_MS */
  keepAliveMs?: number
  /** Waiting tasks before `busy`. @default MAX_QUEUED_TASKS */
  maxQueuedTasks?: number
  /** Per-task limit, queue time included. @default TASK_TIMEOUT_MS */
  taskTimeoutMs?: number
  /** Largest `maxTokens` a task may ask for (also capped by the context). @default MAX_TOKENS_LIMIT */
  maxTokensLimit?: number
  /** Tokens per sequence, capped by the model's training context. @default CONTEXT_SIZE_TOKENS */
  contextSize?: number
  /** CPU threads per context. @default 1 on machines with 2 cores or fewer, else node-llama-cpp's choice */
  threads?: number
  /** GPU backend to ask node-llama-cpp for. @default 'auto' */
  gpu?: 'auto' | LlamaGpuType
  /** Chunking of streamed text. @default { intervalMs: STREAM_FLUSH_INTERVAL_MS, maxTokens: STREAM_FLUSH_TOKENS } */
  stream?: ChunkCoalescerInit
  /**
   * Load llama.cpp's binding only when a model is first needed, not in
   * `start()`; `hardware()` is known from then on (`warm()` loads it now).
   * @default false
   */
  lazyEngine?: boolean
  /**
   * Folder for the saved KV states of evicted sequences (state-store.ts);
   * none: an evicted state is dropped and re-evaluated when needed.
   */
  stateDir?: string
  /** Bounds of `stateDir`. @default { maxBytes: STATE_CACHE_MAX_BYTES, maxFiles: STATE_CACHE_MAX_FILES } */
  stateCache?: { maxBytes?: number, maxFiles?: number }
  /** Use this Llama instance instead of creating one (it is then not disposed on stop). */
  llama?: Llama
  /** Where loud hardware warnings go. @default process.emitWarning */
  onWarning?: (message: string) => void
}

export interface RuntimeComponents {
  registry: ModelRegistry
  logger?: Logger
}

export interface ModelStatus extends RegisteredModel {
  loaded: boolean
  /** Tokens per sequence this runtime gives the model. */
  contextSize: number
  /** Largest `maxTokens` accepted for it. */
  maxTokens: number
  sequences: number
  /** Context no task holds now: free sequences x `contextSize` (each sequence has its own KV cells). */
  freeContext: number
}

export interface RuntimeStats extends SchedulerStats {
  loadedModels: string[]
  sequencesPerModel: number
  /** Prompt tokens taken from resident sequence state, restored from disk, or evaluated, over the models loaded now (sequence-cache.ts). */
  promptTokens: { reused: number, restored: number, evaluated: number }
  /** Decode steps over the models loaded now (step-barrier.ts): those with several generations in line, and waits the guard cut short. */
  decodeSteps: { lined: number, overdue: number }
}
