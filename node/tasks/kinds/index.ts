/**
 * The task kinds a node serves, each a handler that parses its bounded input
 * and runs it: `echo` (tests and benchmarks), `llm.complete` / `llm.chat` /
 * `llm.embed` on the local runtime, `memory.search` / `memory.ask` on the
 * node's memory. New kinds plug in through `TaskKindRegistry`.
 *
 * @example
 * const tasks = new TaskKindRegistry()
 * tasks.register(echoKind())
 * for (const kind of llmKinds(runtime)) tasks.register(kind)
 */
export { echoKind, type EchoInput } from './echo.ts'
export { llmKinds, cardModels, type CompleteInput, type ChatInput, type EmbedInput } from './llm.ts'
export { memoryKinds, type MemoryKindsInit, type MemorySearchInput, type MemoryAskInput } from './memory.ts'
