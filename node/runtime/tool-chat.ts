/**
 * A chat with tools or a structured answer, on node-llama-cpp's `LlamaChat`
 * and the model's chat wrapper, so a model whose template knows function
 * calling writes calls in its own format. The node only describes calls:
 * the functions have no handlers, and a call ends the generation
 * (`finishReason: 'tool_calls'`); running it is the caller's business.
 *
 * - `auto`: the model may answer or call; once it starts a call,
 *   node-llama-cpp holds the name and arguments to a grammar of the tools.
 * - `required`, `{ name }`: the wrapper enters function-call mode before the
 *   model writes anything (node-llama-cpp's `noPrefixTrigger`), so the
 *   answer is always a call whose arguments the grammar made satisfy the
 *   schema; a named choice offers only that tool.
 * - `none`: the tools are not offered; calls in the history still render.
 * - `responseFormat`: `json_object` is held to node-llama-cpp's JSON
 *   grammar, `json_schema` to the schema's grammar.
 */
import { randomBytes } from 'node:crypto'
import {
  LlamaChat, LlamaText, type ChatHistoryItem, type ChatModelFunctions, type ChatWrapper, type ChatWrapperGeneratedContextState,
  type GbnfJsonSchema, type Llama, type LlamaContextSequence, type LlamaGrammar, type LlamaModel
} from 'node-llama-cpp'
import type { ChatMessage, ChatToolOptions, ToolCall } from '../../protocol/task/chat.ts'
import { chatHistory } from './chat.ts'
import { TOOL_CALL_ID_PREFIX } from './constants.ts'
import { InvalidRequestError, PromptTooLongError } from './errors.ts'
import type { FinishReason, GenerateResult, SamplingOptions } from './generate.ts'
import { ChunkCoalescer, type ChunkCoalescerInit } from './stream.ts'
import { inLine, type StepBarrier } from './step-barrier.ts'

export interface ToolChatParams {
  llama: Llama
  model: LlamaModel
  sequence: LlamaContextSequence
  wrapper: ChatWrapper
  contextSize: number
  /**
   * The `maxTokens` to run with for a prompt of this many tokens: the same
   * admission by context as the plain path (context-budget.ts), so a request
   * whose prompt plus asked tokens cannot fit is refused (`busy`) before any
   * evaluation.
   */
  admit: (promptTokens: number) => number
  messages: readonly ChatMessage[]
  options: ChatToolOptions
  maxTokens: number
  sampling: SamplingOptions
  signal: AbortSignal
  onText?: (text: string) => void
  stream?: ChunkCoalescerInit
  /** Generation ends at the first of these (node-llama-cpp's custom stop triggers); the text stops before it. */
  stop?: readonly string[]
  /** Called when the first token is generated (decode time is measured from it). */
  onFirstToken?: () => void
  /** The context's generations line up their decode steps here (step-barrier.ts). */
  steps?: StepBarrier
}

/** The wrapper, made to enter function-call mode before the model writes anything. */
export function forcingCalls (wrapper: ChatWrapper): ChatWrapper {
  const forced = Object.create(wrapper) as ChatWrapper
  forced.generateContextState = (options) => {
    const { prefixTriggers: _triggers, noPrefixTrigger: _none, ...state } = wrapper.generateContextState(options) as ChatWrapperGeneratedContextState & { prefixTriggers?: unknown, noPrefixTrigger?: unknown }
    return { ...state, noPrefixTrigger: { type: 'functionCall', inject: LlamaText([]) } } as ChatWrapperGeneratedContextState
  }
  return forced
}

/** The functions to offer node-llama-cpp for a tool choice, or undefined for none. */
function functionsFor (options: ChatToolOptions): ChatModelFunctions | undefined {
  const choice = options.toolChoice ?? 'auto'
  const tools = (options.tools ?? []).filter(t => typeof choice !== 'object' || t.name === choice.name)
  if (choice === 'none' || tools.length === 0) return undefined
  return Object.fromEntries(tools.map(t => [t.name, {
    ...(t.description != null ? { description: t.description } : {}),
    params: (t.parameters ?? { type: 'object', properties: {} }) as GbnfJsonSchema
  }]))
}

async function formatGrammar (llama: Llama, options: ChatToolOptions): Promise<LlamaGrammar | undefined> {
  const format = options.responseFormat
  if (format == null || format.type === 'text') return undefined
  if (format.type === 'json_object') return await llama.getGrammarFor('json')
  const { $schema: _ignored, ...schema } = format.schema
  try {
    return await llama.createGrammarForJsonSchema(schema as Readonly<GbnfJsonSchema> as never)
  } catch (err) {
    throw new InvalidRequestError(`no grammar can be made of it: ${(err as Error).message.slice(0, 200)}`, 'responseFormat.schema')
  }
}

function once (f: () => void): () => void {
  let called = false
  return () => { if (!called) { called = true; f() } }
}

function callId (): string {
  return TOOL_CALL_ID_PREFIX + randomBytes(12).toString('hex')
}

export async function toolChat (p: ToolChatParams): Promise<GenerateResult> {
  const history = chatHistory(p.messages)
  const functions = functionsFor(p.options)
  const choice = p.options.toolChoice ?? 'auto'
  const forced = functions != null && choice !== 'auto'
  const wrapper = forced ? forcingCalls(p.wrapper) : p.wrapper
  const grammar = functions == null ? await formatGrammar(p.llama, p.options) : undefined
  const promptTokens = wrapper.generateContextState({ chatHistory: history, ...(functions != null ? { availableFunctions: functions, documentFunctionParams: true } : {}) })
    .contextText.tokenize(p.model.tokenizer).length
  const maxTokens = p.admit(promptTokens)

  const coalescer = new ChunkCoalescer(chunk => { p.onText?.(chunk) }, p.stream)
  const s = p.sampling
  const penalties = s.penalties
  // LlamaChat's token loop is its own: it gets a view of the sequence whose steps go in line
  const lined = p.steps != null ? inLine(p.sequence, p.steps, p.signal) : undefined
  const chat = new LlamaChat({ contextSequence: lined?.sequence ?? p.sequence, chatWrapper: wrapper })
  const before = p.sequence.tokenMeter.getState().usedOutputTokens
  let outOfContext = false
  try {
    const common = {
      maxTokens,
      temperature: s.temperature,
      ...(s.seed != null ? { seed: s.seed } : {}),
      ...(s.topK != null ? { topK: s.topK } : {}),
      ...(s.topP != null ? { topP: s.topP } : {}),
      ...(penalties != null
        ? { repeatPenalty: { lastTokens: penalties.lastTokens, penalty: 1, presencePenalty: penalties.presencePenalty, frequencyPenalty: penalties.frequencyPenalty } }
        : {}),
      ...(s.tokenBias != null ? { tokenBias: s.tokenBias } : {}),
      signal: p.signal,
      ...(p.onFirstToken != null ? { onToken: once(p.onFirstToken) } : {}),
      // the plain path never drops part of a chat to make room, and neither does this one: the history is
      // kept whole, node-llama-cpp then fails, and that fails as a prompt that does not fit (below)
      contextShift: { strategy: ({ chatHistory }: { chatHistory: readonly ChatHistoryItem[] }) => { outOfContext = true; return { chatHistory: [...chatHistory] } } },
      ...(p.stop != null && p.stop.length > 0 ? { customStopTriggers: p.stop } : {}),
      // a forced answer is a call, not text: nothing of it streams as content
      ...(p.onText != null && !forced ? { onTextChunk: (text: string) => { coalescer.push(text) } } : {})
    }
    const r = functions != null
      ? await chat.generateResponse(history, {
        ...common,
        functions,
        documentFunctionParams: true,
        ...(p.options.parallelToolCalls === false ? { maxParallelFunctionCalls: 1 } : {})
      })
      : await chat.generateResponse(history, { ...common, ...(grammar != null ? { grammar } : {}) })
    coalescer.flush()
    const toolCalls: ToolCall[] = (r.functionCalls ?? []).map(c => ({ id: callId(), name: c.functionName, arguments: JSON.stringify(c.params ?? {}) }))
    const finishReason: FinishReason = toolCalls.length > 0 ? 'tool_calls' : r.metadata.stopReason === 'maxTokens' ? 'length' : 'stop'
    const completionTokens = p.sequence.tokenMeter.getState().usedOutputTokens - before
    const trigger = r.metadata.stopReason === 'customStopTrigger' ? r.metadata.customStopTrigger.filter(t => typeof t === 'string').join('') : undefined
    const stopSequence = trigger != null ? p.stop?.find(s => s === trigger) : undefined
    return {
      text: r.response,
      usage: { promptTokens, completionTokens },
      finishReason,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(stopSequence != null ? { stopSequence } : {})
    }
  } catch (err) {
    if (p.signal.aborted) throw p.signal.reason
    if (outOfContext) throw new PromptTooLongError(promptTokens + maxTokens, p.contextSize)
    throw err
  } finally {
    lined?.leave()
    coalescer.discard()
    chat.dispose({ disposeSequence: false })
  }
}
