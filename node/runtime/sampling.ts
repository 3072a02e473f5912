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
import { InvalidRequestError } from './errors.ts'

export { validatePenalties, penaltiesFor, type PenaltyOptions, type Penalties } from './penalties.ts'

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
