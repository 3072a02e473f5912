/**
 * Sampling options a task may set beyond temperature and top-k/p: OpenAI's
 * presence and frequency penalties and logit bias, with OpenAI's ranges
 * (https://platform.openai.com/docs/api-reference/chat/create), so the `/v1`
 * API can pass its fields through unchanged. They become node-llama-cpp's
 * `repeatPenalty` and `TokenBias` options of `sequence.evaluate()`.
 *
 * @example
 * validatePenalties({ presencePenalty: 0.5, logitBias: { 42: -100 } })
 * const bias = tokenBiasFor(model, { 42: -100 }) // token 42 is never sampled
 */
import { TokenBias, type LlamaModel, type Token } from 'node-llama-cpp'
import { MAX_LOGIT_BIAS_TOKENS, PENALTY_LAST_TOKENS } from './constants.ts'
import { InvalidRequestError } from './errors.ts'

export interface PenaltyOptions {
  /** Subtracted once from the logit of every token seen in the last `PENALTY_LAST_TOKENS`; -2..2. @default 0 */
  presencePenalty?: number
  /** Subtracted from a token's logit once per time it was seen in the last `PENALTY_LAST_TOKENS`; -2..2. @default 0 */
  frequencyPenalty?: number
  /** Added to the logits of these token ids (decimal keys, as OpenAI's `logit_bias`); -100..100. */
  logitBias?: Readonly<Record<string, number>>
}

/** What `generate` hands node-llama-cpp: penalties over a window of recent tokens. */
export interface Penalties { presencePenalty: number, frequencyPenalty: number, lastTokens: number }

const TOKEN_ID = /^(0|[1-9][0-9]{0,9})$/

function inRange (value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
}

/** Checks shape and ranges before the task is queued. @throws InvalidRequestError */
export function validatePenalties (opts: PenaltyOptions): void {
  if (opts.presencePenalty != null && !inRange(opts.presencePenalty, -2, 2)) throw new InvalidRequestError('presencePenalty must be a number between -2 and 2')
  if (opts.frequencyPenalty != null && !inRange(opts.frequencyPenalty, -2, 2)) throw new InvalidRequestError('frequencyPenalty must be a number between -2 and 2')
  const bias: unknown = opts.logitBias
  if (bias == null) return
  if (typeof bias !== 'object' || Array.isArray(bias)) throw new InvalidRequestError('logitBias must map token ids to numbers')
  const entries = Object.entries(bias)
  if (entries.length > MAX_LOGIT_BIAS_TOKENS) throw new InvalidRequestError(`logitBias may name at most ${MAX_LOGIT_BIAS_TOKENS} tokens`)
  for (const [key, value] of entries) {
    if (!TOKEN_ID.test(key)) throw new InvalidRequestError('logitBias keys must be token ids (non-negative integers)')
    if (!inRange(value, -100, 100)) throw new InvalidRequestError(`logitBias[${key}] must be a number between -100 and 100`)
  }
}

/** The penalties to apply, or undefined when both are zero (llama.cpp then skips the sampler). */
export function penaltiesFor (opts: PenaltyOptions): Penalties | undefined {
  const presencePenalty = opts.presencePenalty ?? 0
  const frequencyPenalty = opts.frequencyPenalty ?? 0
  if (presencePenalty === 0 && frequencyPenalty === 0) return undefined
  return { presencePenalty, frequencyPenalty, lastTokens: PENALTY_LAST_TOKENS }
}

/** Token ids the model has, from its GGUF vocabulary. */
function vocabularySize (model: LlamaModel): number | undefined {
  const tokens: unknown = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } }).tokenizer?.ggml?.tokens
  return Array.isArray(tokens) ? tokens.length : undefined
}

/**
 * node-llama-cpp's token bias for a validated `logitBias`, checked against the
 * model's vocabulary. End-of-generation tokens cannot be biased (node-llama-cpp
 * ignores them), as with OpenAI's models where a bias cannot stop a text.
 * @throws InvalidRequestError for a token id the model does not have
 */
export function tokenBiasFor (model: LlamaModel, logitBias: Readonly<Record<string, number>> | undefined): TokenBias | undefined {
  if (logitBias == null) return undefined
  const entries = Object.entries(logitBias)
  if (entries.length === 0) return undefined
  const size = vocabularySize(model)
  const bias = new TokenBias(model.tokenizer)
  for (const [key, logit] of entries) {
    const token = Number(key)
    if (size != null && token >= size) throw new InvalidRequestError(`logitBias names token ${token}; the model has ${size}`)
    bias.set(token as Token, { logit })
  }
  return bias
}
