/**
 * The checks a task's options pass before it is queued: bad values are an
 * `InvalidRequestError` naming the field, never a failure deep in llama.cpp.
 */
import { DEFAULT_MAX_TOKENS, MAX_EMBED_INPUTS, MAX_SESSION_KEY_CHARS, MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_CHARS } from './constants.ts'
import { InvalidRequestError } from './errors.ts'
import { penaltiesFor, validatePenalties } from './penalties.ts'
import type { EmbedRequest, GenerateOptions } from './requests.ts'
import type { Penalties } from './sampling.ts'

/** A generation's options once checked. */
export interface CheckedGeneration {
  /** `maxTokens` as the caller gave it (admission by context treats an explicit one strictly). */
  asked: number | undefined
  /** The caller's `maxTokens`, else the default. */
  maxTokens: number
  temperature: number
  penalties: Penalties | undefined
}

export function checkGeneration (req: GenerateOptions): CheckedGeneration {
  const asked = req.maxTokens
  const maxTokens = asked ?? DEFAULT_MAX_TOKENS
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) throw new InvalidRequestError('maxTokens must be a positive integer')
  const temperature = req.temperature ?? 0
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 10) throw new InvalidRequestError('temperature must be between 0 and 10')
  if (req.seed != null && (!Number.isSafeInteger(req.seed) || req.seed < 0)) throw new InvalidRequestError('seed must be a non-negative integer')
  validatePenalties(req)
  validateStops(req.stop)
  return { asked, maxTokens, temperature, penalties: penaltiesFor(req) }
}

export function checkEmbedInput (req: EmbedRequest): void {
  const input: unknown = req.input
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_EMBED_INPUTS || !input.every(s => typeof s === 'string' && s !== '')) {
    throw new InvalidRequestError(`input must be 1 to ${MAX_EMBED_INPUTS} non-empty strings`)
  }
}

export function checkSessionKey (key: unknown): void {
  if (key != null && (typeof key !== 'string' || key.length < 1 || key.length > MAX_SESSION_KEY_CHARS)) {
    throw new InvalidRequestError(`sessionKey must be a string of 1 to ${MAX_SESSION_KEY_CHARS} characters`)
  }
}

function validateStops (stop: unknown): void {
  if (stop == null) return
  if (!Array.isArray(stop) || stop.length > MAX_STOP_SEQUENCES || !stop.every(s => typeof s === 'string' && s.length >= 1 && s.length <= MAX_STOP_SEQUENCE_CHARS)) {
    throw new InvalidRequestError(`stop must be at most ${MAX_STOP_SEQUENCES} strings of 1 to ${MAX_STOP_SEQUENCE_CHARS} characters`)
  }
}
