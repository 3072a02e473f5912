/**
 * Local inference: a registry of verified GGUF models and a runtime that runs
 * them with node-llama-cpp (GPU when usable, else CPU), batching concurrent
 * tasks on one context per model.
 *
 * @example
 * const registry = new ModelRegistry({ dir: homePaths(home).modelsDir })
 * await registry.add('/tmp/tiny.gguf', { name: 'tiny' })
 * await using rt = runtime({ keepAliveMs: 60_000 })({ registry })
 * await rt.start()
 * const { text } = await rt.complete({ model: 'tiny', prompt: 'Hello', maxTokens: 16, onText: t => process.stdout.write(t) })
 * // function calling: the node describes the call, the caller runs it
 * const { toolCalls } = await rt.chat({ model: 'tiny', messages, tools: [{ name: 'get_time', parameters }], toolChoice: 'required' })
 */
export { runtime, Runtime, defaultThreads } from './runtime.ts'
export type {
  RuntimeInit, RuntimeComponents, TaskOptions, GenerateOptions, CompleteRequest, ChatRequest,
  EmbedRequest, EmbedResult, ModelStatus, RuntimeStats
} from './runtime.ts'
export type { GenerateResult, FinishReason } from './generate.ts'
export type { PenaltyOptions } from './penalties.ts'
export { DecodeRates, type DecodeRate, type DecodeRatesInit } from './decode-rates.ts'
export type { TaskPriority, SchedulerStats } from './scheduler.ts'
export { Scheduler } from './scheduler.ts'
export { ModelRegistry, validateModelUri, defaultModelName, isEmbeddingModel } from './registry.ts'
export type { RegisteredModel, ModelRegistryInit, AddModelOptions, PullModelOptions } from './registry.ts'
export type { GgufModelInfo } from './gguf-info.ts'
export { sha256File, type HashProgress } from './hash.ts'
export { detectHardware, detectGpusPresent, type HardwareInfo, type Backend } from './hardware.ts'
export { fallbackChatPrompt, type ChatMessage, type ChatRole } from './messages.ts'
export { loadEngine, type Engine } from './load-engine.ts'
export { validateChatTools } from './tools.ts'
export type { ChatTool, ChatToolOptions, ToolCall, ToolChoice, ResponseFormat } from './tools.ts'
export { TokenTextDecoder, ChunkCoalescer, type ChunkCoalescerInit } from './stream.ts'
export * from './errors.ts'
export * as runtimeConstants from './constants.ts'
