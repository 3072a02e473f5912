/**
 * One generation on one context sequence: evaluate the prompt, sample until an
 * end-of-generation token, a stop sequence (`stop.ts`), the token limit or
 * the end of the context, and
 * stream text through the decoder and coalescer. Cancel (the signal) stops
 * after the evaluation step in flight (one token), never mid-batch.
 */
import type { LlamaContextSequence, LlamaModel, Token, TokenBias } from 'node-llama-cpp'
import type { ToolCall } from '../../protocol/task/chat.ts'
import type { Penalties } from './sampling.ts'
import { ChunkCoalescer, TokenTextDecoder, type ChunkCoalescerInit } from './stream.ts'
import { ABORT_SETTLE_TIMEOUT_MS } from './constants.ts'
import { StopScanner } from './stop.ts'
import { inLine, type StepBarrier } from './step-barrier.ts'

export type FinishReason = 'stop' | 'length' | 'tool_calls'

export interface GenerateResult {
  text: string
  usage: { promptTokens: number, completionTokens: number }
  /** `stop`: the model ended its text or reached a stop sequence; `length`: `maxTokens` or the context ran out; `tool_calls`: it called tools. */
  finishReason: FinishReason
  /** The calls the model made (chat with tools only); the node never runs them. */
  toolCalls?: ToolCall[]
  /** The stop sequence that ended the text (not part of `text`). */
  stopSequence?: string
}

export interface SamplingOptions {
  /** 0 is greedy and deterministic. */
  temperature: number
  seed?: number
  topK?: number
  topP?: number
  /** Presence and frequency penalties over the last `lastTokens` of prompt and text. */
  penalties?: Penalties
  tokenBias?: TokenBias
}

export interface GenerateParams {
  model: LlamaModel
  sequence: LlamaContextSequence
  contextSize: number
  prompt: Token[]
  /** Leading prompt tokens the sequence's state already holds (sequence-cache.ts): only the rest is evaluated. */
  reused?: number
  maxTokens: number
  sampling: SamplingOptions
  signal: AbortSignal
  onText?: (text: string) => void
  stream?: ChunkCoalescerInit
  /** Called with the first generated token's time (for TTFT). */
  onFirstToken?: () => void
  /** Generation ends at the first of these; the text stops before it. */
  stop?: readonly string[]
  /** The context's generations line up their decode steps here after the prompt (step-barrier.ts). */
  steps?: StepBarrier
}

const ABORTED = Symbol('aborted')

export async function generate (p: GenerateParams): Promise<GenerateResult> {
  const decoder = new TokenTextDecoder((tokens, last) => p.model.detokenize(tokens, false, last))
  let text = ''
  const coalescer = new ChunkCoalescer(chunk => { p.onText?.(chunk) }, p.stream)
  const room = p.contextSize - p.prompt.length
  const limit = Math.min(p.maxTokens, room)
  let completionTokens = 0
  let finishReason: FinishReason = 'stop'
  const scanner = new StopScanner([...(p.stop ?? [])])
  const emit = (piece: string): void => {
    if (piece === '') return
    text += piece
    if (p.onText != null) coalescer.push(piece)
  }

  let onAbort: (() => void) | undefined
  const aborted = new Promise<typeof ABORTED>(resolve => {
    onAbort = () => { resolve(ABORTED) }
    if (p.signal.aborted) resolve(ABORTED)
    else p.signal.addEventListener('abort', onAbort, { once: true })
  })
  // The tokens the penalties look back over: the prompt, then what is generated.
  const seen: Token[] = [...p.prompt]
  const penalties = p.sampling.penalties
  // past the prompt, each token's step goes in line with the context's other generations
  const lined = p.steps != null ? inLine(p.sequence, p.steps, p.signal) : undefined
  const iterator = (lined?.sequence ?? p.sequence).evaluate(p.reused != null && p.reused > 0 ? p.prompt.slice(p.reused) : p.prompt, {
    temperature: p.sampling.temperature,
    ...(p.sampling.seed != null ? { seed: p.sampling.seed } : {}),
    ...(p.sampling.topK != null ? { topK: p.sampling.topK } : {}),
    ...(p.sampling.topP != null ? { topP: p.sampling.topP } : {}),
    ...(penalties != null
      ? {
          repeatPenalty: {
            punishTokens: () => seen.slice(-penalties.lastTokens),
            maxPunishTokens: penalties.lastTokens,
            // OpenAI's penalties are additive; llama.cpp's multiplicative repeat penalty stays off
            penalty: 1,
            presencePenalty: penalties.presencePenalty,
            frequencyPenalty: penalties.frequencyPenalty
          }
        }
      : {}),
    ...(p.sampling.tokenBias != null ? { tokenBias: p.sampling.tokenBias } : {})
  })[Symbol.asyncIterator]()
  try {
    while (completionTokens < limit) {
      const next = iterator.next()
      const r = await Promise.race([next, aborted])
      if (r === ABORTED) {
        // Wait for the step in flight (one token) before the sequence is disposed: disposing it
        // in the middle of the context's batch fails the next evaluation ("Eval has failed")
        // of whatever task gets the context next.
        await settled(next, ABORT_SETTLE_TIMEOUT_MS)
        throw p.signal.reason
      }
      if (r.done === true) break
      if (completionTokens === 0) p.onFirstToken?.()
      completionTokens++
      seen.push(r.value)
      const out = scanner.push(decoder.push(r.value))
      emit(out.text)
      if (out.stop != null) break
    }
    if (scanner.stop == null) {
      if (completionTokens >= limit) finishReason = 'length'
      const out = scanner.push(decoder.end())
      emit(out.text)
      emit(scanner.flush())
    }
    if (scanner.stop != null) finishReason = 'stop'
    if (p.onText != null) coalescer.flush()
    return { text, usage: { promptTokens: p.prompt.length, completionTokens }, finishReason, ...(scanner.stop != null ? { stopSequence: scanner.stop } : {}) }
  } finally {
    lined?.leave()
    if (onAbort != null) p.signal.removeEventListener('abort', onAbort)
    coalescer.discard()
    void iterator.return?.().catch(() => {})
  }
}

/** Waits for a step to end either way, at most `ms`. */
async function settled (step: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([step.then(() => {}, () => {}), new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}
