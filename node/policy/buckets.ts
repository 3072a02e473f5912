/**
 * Token buckets per peer, for rate limits (one token a request) and token
 * quotas (one token a model token, charged after the work). A bucket holds
 * up to `rate.count` and refills at `count / periodMs`; a bucket charged
 * below zero (a task that used more tokens than were left) refuses until it
 * has refilled above one. The least recently used peer is forgotten past
 * `maxPeers`, so a flood of peer ids cannot grow memory.
 */
import type { Rate, RateDecision } from './types.ts'

interface Bucket { tokens: number, at: number, rate: Rate }

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()
  private readonly now: () => number
  private readonly maxPeers: number

  constructor (opts: { now: () => number, maxPeers: number }) {
    this.now = opts.now
    this.maxPeers = opts.maxPeers
  }

  clear (): void { this.buckets.clear() }

  /** Takes `n` tokens if the bucket holds at least one; otherwise says how long until it will. */
  take (key: string, rate: Rate, n = 1): RateDecision {
    const b = this.refill(key, rate)
    if (b.tokens >= 1) {
      b.tokens -= n
      return { allow: true, retryAfterMs: 0 }
    }
    return { allow: false, retryAfterMs: Math.max(1, Math.ceil((1 - b.tokens) / (rate.count / rate.periodMs))) }
  }

  /** Whether the bucket holds at least one token, taking none. */
  peek (key: string, rate: Rate): RateDecision {
    return this.take(key, rate, 0)
  }

  /** Removes `n` tokens, below zero if need be (work already done is charged in full). */
  charge (key: string, rate: Rate, n: number): void {
    this.refill(key, rate).tokens -= n
  }

  private refill (key: string, rate: Rate): Bucket {
    const now = this.now()
    let b = this.buckets.get(key)
    // compared by value: a reloaded policy with the same limit keeps what was used
    if (b == null || b.rate.count !== rate.count || b.rate.periodMs !== rate.periodMs) {
      b = { tokens: rate.count, at: now, rate }
      if (this.buckets.size >= this.maxPeers) {
        const oldest = this.buckets.keys().next().value
        if (oldest != null) this.buckets.delete(oldest)
      }
    } else {
      this.buckets.delete(key) // re-inserted below: the map stays ordered by last use
    }
    b.tokens = Math.min(rate.count, b.tokens + (now - b.at) * (rate.count / rate.periodMs))
    b.at = now
    this.buckets.set(key, b)
    return b
  }
}
