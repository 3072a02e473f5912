/**
 * How fast this runtime decodes each model, measured on its own
 * generations: the tokens generated after the first over the time from the
 * first to the last (the prompt's evaluation and the queue are not decode),
 * as an exponential moving average per model. The node's load beat
 * reports it, so members rank it by what it measured rather than by what
 * they saw through the network.
 *
 * @example
 * rates.record('tiny', 31, 250) // 124 tokens/s
 * rates.list() // [{ name: 'tiny', tokensPerSecond: 124 }]
 */
import { DECODE_RATE_EWMA_WEIGHT, DECODE_RATE_MAX_MODELS, DECODE_RATE_MAX_TOKENS_PER_S, DECODE_RATE_MIN_TOKENS } from './constants.ts'

export interface DecodeRate { name: string, tokensPerSecond: number }

export interface DecodeRatesInit {
  /** @default DECODE_RATE_EWMA_WEIGHT */
  weight?: number
  /** @default DECODE_RATE_MIN_TOKENS */
  minTokens?: number
  /** @default DECODE_RATE_MAX_MODELS */
  maxModels?: number
}

export class DecodeRates {
  private readonly weight: number
  private readonly minTokens: number
  private readonly maxModels: number
  /** model → tokens/s; insertion order is the order last measured. */
  private readonly rates = new Map<string, number>()

  constructor (init: DecodeRatesInit = {}) {
    this.weight = init.weight ?? DECODE_RATE_EWMA_WEIGHT
    this.minTokens = init.minTokens ?? DECODE_RATE_MIN_TOKENS
    this.maxModels = init.maxModels ?? DECODE_RATE_MAX_MODELS
  }

  /** `tokens` decoded in `ms` of decode time on `model`. */
  record (model: string, tokens: number, ms: number): void {
    if (!(tokens >= this.minTokens) || !(ms > 0) || !Number.isFinite(ms)) return
    const rate = Math.min(DECODE_RATE_MAX_TOKENS_PER_S, tokens * 1000 / ms)
    const old = this.rates.get(model)
    this.rates.delete(model)
    this.rates.set(model, old == null ? rate : old + this.weight * (rate - old))
    while (this.rates.size > this.maxModels) this.rates.delete(this.rates.keys().next().value as string)
  }

  /** The measured models, most recently measured first (a beat that holds fewer keeps the fresh ones). */
  list (): DecodeRate[] {
    return [...this.rates].reverse().map(([name, tokensPerSecond]) => ({ name, tokensPerSecond }))
  }
}
