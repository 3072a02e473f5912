/**
 * Sampling options checked before a task is queued: presence and frequency
 * penalties and the shape of `logitBias`. Kept apart from `sampling.ts`
 * (which builds node-llama-cpp's token bias) so that checking a request
 * never loads llama.cpp's binding.
 */
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
