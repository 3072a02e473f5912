/**
 * `llm.complete`, `llm.chat` and `llm.embed`, served by the local runtime.
 * Delegated tasks run at `delegated` priority, so the node's own interactive
 * work goes first.
 */
import { arrayOf, num, object, oneOf, optional, parse, record, str, uint } from '../../../protocol/shape.ts'
import type { CardModel } from '../../../protocol/cards/card.ts'
import { chatMessageShape, ChatToolFields, type ChatMessage, type ChatToolOptions, type ToolCall } from '../../../protocol/task/chat.ts'
import type { Runtime } from '../../runtime/runtime.ts'
import type { ModelGate } from '../../catalog/model-gate.ts'
import { InvalidTaskInputError } from '../errors.ts'
import type { TaskKindHandler, TaskOutput } from '../registry.ts'

const Sampling = {
  model: str({ min: 1, max: 128 }),
  /** The file the delegator means: a member holding another file under this name refuses (node/catalog). */
  modelSha256: optional(str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ })),
  maxTokens: optional(uint({ min: 1, max: 1_000_000 })),
  temperature: optional(num({ min: 0, max: 5 })),
  seed: optional(uint({ max: 2 ** 32 - 1 })),
  topK: optional(uint({ max: 100_000 })),
  topP: optional(num({ min: 0, max: 1 })),
  // OpenAI's ranges; the runtime checks token ids against the model
  presencePenalty: optional(num({ min: -2, max: 2 })),
  frequencyPenalty: optional(num({ min: -2, max: 2 })),
  logitBias: optional(record(num({ min: -100, max: 100 }), { max: 1024, keyMax: 10 })),
  // generation ends at the first (the runtime's bounds)
  stop: optional(arrayOf(str({ min: 1, max: 256 }), { max: 16 }))
}
const CompleteInput = object({ ...Sampling, prompt: str({ max: 1024 * 1024 }) })
const ChatInput = object({
  ...Sampling,
  messages: arrayOf(chatMessageShape(1024 * 1024), { min: 1, max: 512 }),
  ...ChatToolFields,
  // the stable key of the session the turn belongs to (`PEER_ID/NAME`), so the runtime may keep its sequence
  session: optional(str({ min: 1, max: 256 }))
})
const EmbedInput = object({ model: Sampling.model, modelSha256: Sampling.modelSha256, input: arrayOf(str({ max: 64 * 1024 }), { min: 1, max: 256 }) })

type Sampled = {
  model: string, modelSha256?: string, maxTokens?: number, temperature?: number, seed?: number, topK?: number, topP?: number,
  presencePenalty?: number, frequencyPenalty?: number, logitBias?: Record<string, number>, stop?: string[]
}
export type CompleteInput = Sampled & { prompt: string }
/** See protocol/task/chat.ts for the function-calling fields and the tool and tool-call messages. */
export type ChatInput = Sampled & ChatToolOptions & { messages: ChatMessage[], session?: string }
export type EmbedInput = { model: string, modelSha256?: string, input: string[] }

function parseWith<T> (shape: (v: unknown, p: string) => T, value: unknown, what: string): T {
  try { return parse(shape, value, what) } catch (err) { throw new InvalidTaskInputError((err as Error).message) }
}

function sampling (input: Sampled): Omit<Sampled, 'model' | 'modelSha256'> {
  const out: Omit<Sampled, 'model' | 'modelSha256'> = {}
  if (input.maxTokens != null) out.maxTokens = input.maxTokens
  if (input.temperature != null) out.temperature = input.temperature
  if (input.seed != null) out.seed = input.seed
  if (input.topK != null) out.topK = input.topK
  if (input.topP != null) out.topP = input.topP
  if (input.presencePenalty != null) out.presencePenalty = input.presencePenalty
  if (input.frequencyPenalty != null) out.frequencyPenalty = input.frequencyPenalty
  if (input.logitBias != null) out.logitBias = input.logitBias
  if (input.stop != null && input.stop.length > 0) out.stop = input.stop
  return out
}

function toolOptions (input: ChatToolOptions): ChatToolOptions {
  const out: ChatToolOptions = {}
  if (input.tools != null) out.tools = input.tools
  if (input.toolChoice != null) out.toolChoice = input.toolChoice
  if (input.parallelToolCalls != null) out.parallelToolCalls = input.parallelToolCalls
  if (input.responseFormat != null) out.responseFormat = input.responseFormat
  return out
}

export async function cardModels (runtime: Runtime): Promise<CardModel[]> {
  const models = await runtime.models()
  return models.map(m => ({
    name: m.name,
    sha256: m.sha256,
    architecture: m.architecture,
    parameters: m.parameterCount,
    quantisation: m.quantisation,
    contextLength: m.contextSize
  }))
}

/** A kind served by one model: input checked by `shape`, the model named by the input, passed through the gate first. */
function modelKind<I extends { model: string, modelSha256?: string }> (kind: string, shape: (v: unknown, p: string) => I, gate: ModelGate | undefined, run: TaskKindHandler<I>['run']): TaskKindHandler<I> {
  return {
    kind,
    parseInput: (v) => parseWith(shape, v, `${kind} input`),
    modelOf: (i) => i.model,
    run: async (input, ctx) => {
      await gate?.(input.model, input.modelSha256)
      return await run(input, ctx)
    }
  }
}

/** `gate`: the model gate of node/catalog (pinned digests, approved models); none in unit tests. */
export function llmKinds (runtime: Runtime, gate?: ModelGate): Array<TaskKindHandler<any>> {
  const generated = (r: { text: string, usage: { promptTokens: number, completionTokens: number }, finishReason: string, toolCalls?: ToolCall[], stopSequence?: string }): TaskOutput =>
    ({ output: r.text, usage: r.usage, finishReason: r.finishReason, ...(r.toolCalls != null ? { toolCalls: r.toolCalls } : {}), ...(r.stopSequence != null ? { stopSequence: r.stopSequence } : {}) })
  return [
    modelKind<CompleteInput>('llm.complete', CompleteInput, gate, async (input, ctx) => generated(await runtime.complete({
      model: input.model, prompt: input.prompt, ...sampling(input), priority: ctx.priority, signal: ctx.signal, taskId: ctx.taskId, onText: ctx.emit
    }))),
    modelKind<ChatInput>('llm.chat', ChatInput, gate, async (input, ctx) => generated(await runtime.chat({
      model: input.model, messages: input.messages, ...sampling(input), ...toolOptions(input), ...(input.session != null ? { sessionKey: input.session } : {}), priority: ctx.priority, signal: ctx.signal, taskId: ctx.taskId, onText: ctx.emit
    }))),
    modelKind<EmbedInput>('llm.embed', EmbedInput, gate, async (input, ctx) => {
      const r = await runtime.embed({ model: input.model, input: input.input, priority: ctx.priority, signal: ctx.signal, taskId: ctx.taskId })
      return { output: r.embeddings, usage: { promptTokens: r.usage.promptTokens, completionTokens: 0 } }
    })
  ]
}
