/**
 * One generation on a loaded model, shared by completion and chat: the
 * token limit, admission by context, sampling, a resident sequence (the one
 * sharing the longest prefix with the prompt), then either the token loop
 * (`generate`) or an engine of its own (the function-calling chat).
 */
import type { Token } from 'node-llama-cpp'
import { admitByContext } from './context-budget.ts'
import { MaxTokensExceededError } from './errors.ts'
import { generate, type GenerateParams, type GenerateResult } from './generate.ts'
import type { Engine } from './load-engine.ts'
import type { LoadedModel } from './model-pool.ts'
import type { CheckedGeneration } from './request-checks.ts'
import type { GenerateOptions } from './requests.ts'
import type { ChunkCoalescerInit } from './stream.ts'

/** What a generation engine gets from the runtime: a sequence, limits, sampling, the caller's stream. */
export type EngineParams = Omit<GenerateParams, 'prompt'>
/** An engine that renders its own prompt: `admit` gives the `maxTokens` its prompt leaves, or refuses it (context-budget.ts). */
export type EngineRunParams = EngineParams & { admit: (promptTokens: number) => number }
export type GenerationPlan = { prompt: Token[] } | { run: (p: EngineRunParams) => Promise<GenerateResult> }

export interface GenerationContext {
  engine: Engine
  /** Largest `maxTokens` the model accepts (limits.ts). */
  limit: number
  /** The pause a refusal for lack of context suggests. */
  retryAfterMs: () => number
  stream?: ChunkCoalescerInit
  /** Told the tokens decoded after the first and the time that took, after a generation that ended well (decode-rates.ts). */
  onDecoded?: (tokens: number, ms: number) => void
  /** The session the task belongs to: its sequence is spared by other sessions' tasks (sequence-cache.ts). */
  session?: string
}

export async function runGeneration (loaded: LoadedModel, signal: AbortSignal, req: GenerateOptions, checked: CheckedGeneration, how: GenerationPlan, ctx: GenerationContext): Promise<GenerateResult> {
  const { temperature, penalties } = checked
  let maxTokens = checked.maxTokens
  const tokenBias = ctx.engine.tokenBiasFor(loaded.model, req.logitBias)
  if (maxTokens > ctx.limit) throw new MaxTokensExceededError(maxTokens, ctx.limit)
  if ('prompt' in how) maxTokens = admitByContext(how.prompt.length, checked.asked, maxTokens, loaded.contextSize, ctx.retryAfterMs)
  // a resident sequence already holding the start of this prompt evaluates only the rest
  const { sequence, reused } = await loaded.sequences.acquire('prompt' in how ? how.prompt : undefined, ctx.session)
  let ok = false
  // an engine of its own leaves the sequence untouched until its prompt is admitted
  let admitted = false
  const admit = (n: number): number => {
    const m = admitByContext(n, checked.asked, maxTokens, loaded.contextSize, ctx.retryAfterMs)
    admitted = true
    return m
  }
  let firstTokenAt: number | undefined
  const params: EngineParams = {
    onFirstToken: () => { firstTokenAt = performance.now() },
    model: loaded.model,
    sequence,
    contextSize: loaded.contextSize,
    maxTokens,
    sampling: {
      temperature,
      ...(temperature > 0 ? { seed: req.seed ?? Math.floor(Math.random() * 2 ** 31) } : {}),
      ...(req.topK != null ? { topK: req.topK } : {}),
      ...(req.topP != null ? { topP: req.topP } : {}),
      ...(penalties != null ? { penalties } : {}),
      ...(tokenBias != null ? { tokenBias } : {})
    },
    signal,
    steps: loaded.steps,
    ...(req.stop != null && req.stop.length > 0 ? { stop: req.stop } : {}),
    ...(req.onText != null ? { onText: req.onText } : {}),
    ...(ctx.stream != null ? { stream: ctx.stream } : {})
  }
  try {
    const result = 'prompt' in how
      ? await generate({ ...params, prompt: how.prompt, reused })
      : await how.run({ ...params, admit })
    ok = true
    if (firstTokenAt != null) ctx.onDecoded?.(result.usage.completionTokens - 1, performance.now() - firstTokenAt)
    return result
  } finally {
    // Back to the cache (or disposed, after a failure) before the scheduler slot is released;
    // a refusal before admission leaves the state (and whose it is) as it was.
    loaded.sequences.release(sequence, 'run' in how && !ok && !admitted ? { ok: true, untouched: true } : { ok, session: ctx.session })
  }
}
