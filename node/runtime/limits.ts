/** How much context and output a registered model gets under the runtime's options. */
import { CONTEXT_SIZE_TOKENS, MAX_TOKENS_LIMIT } from './constants.ts'
import type { RegisteredModel } from './registry.ts'
import type { RuntimeInit } from './runtime-init.ts'

/** Tokens per sequence: the configured size, capped by the model's training context. */
export function contextSizeFor (init: RuntimeInit, entry: RegisteredModel): number {
  const cap = init.contextSize ?? CONTEXT_SIZE_TOKENS
  return entry.contextLength > 0 ? Math.min(cap, entry.contextLength) : cap
}

/** Largest `maxTokens` a task on the model may ask for: the configured limit, and room for at least one prompt token. */
export function maxTokensFor (init: RuntimeInit, entry: RegisteredModel): number {
  return Math.min(init.maxTokensLimit ?? MAX_TOKENS_LIMIT, contextSizeFor(init, entry) - 1)
}
