/**
 * Context as a resource: a loaded model's context sequences stay resident
 * between tasks, each holding the tokens it last evaluated, and a new task
 * takes the idle sequence whose state shares the longest prefix with its
 * prompt. Only the rest is evaluated: a chat's next turn (whose prompt is
 * the previous turn's prompt and answer plus the new message) evaluates its
 * new tokens, and tasks that share a system prompt evaluate it once.
 *
 * The sequences are the context's own (`LlamaContext.getSequence`, at most
 * its `sequences`), so keeping them costs no memory beyond what the context
 * holds anyway. A sequence whose task failed is disposed rather than kept:
 * its state may be mid-batch. node-llama-cpp's `LlamaChat` (function
 * calling) aligns the state it is given by itself, so those tasks take the
 * least recently used sequence.
 *
 * @example
 * const { sequence, reused } = await cache.acquire(promptTokens)
 * try { ...sequence.evaluate(promptTokens.slice(reused))... } finally { cache.release(sequence, { ok }) }
 */
import type { LlamaContext, LlamaContextSequence, Token } from 'node-llama-cpp'
import { InvalidRequestError } from './errors.ts'

export interface SequenceCacheStats {
  /** Sequences holding state now (idle or in use). */
  resident: number
  /** Prompt tokens taken from a resident state instead of evaluated, since load. */
  reusedTokens: number
  /** Prompt tokens evaluated, since load. */
  evaluatedTokens: number
}

export class SequenceCache {
  private readonly context: LlamaContext
  private readonly capacity: number
  /** Idle sequences, least recently used first. */
  private readonly idle: LlamaContextSequence[] = []
  private inUse = 0
  private reusedTokens = 0
  private evaluatedTokens = 0

  constructor (context: LlamaContext, capacity: number) {
    this.context = context
    this.capacity = capacity
  }

  /**
   * A sequence for a task, and how many of `prompt`'s tokens its state
   * already holds (evaluate `prompt.slice(reused)`). At least the last
   * prompt token is always left to evaluate, so the model gives logits for
   * the first new token. Without a prompt: the least recently used one.
   */
  async acquire (prompt?: readonly Token[]): Promise<{ sequence: LlamaContextSequence, reused: number }> {
    let pick = -1
    let shared = 0
    if (prompt != null && prompt.length > 0) {
      this.idle.forEach((s, i) => {
        const n = s.compareContextTokens(prompt as Token[]).firstDifferentIndex
        if (n > shared) { shared = n; pick = i }
      })
    }
    let sequence: LlamaContextSequence
    if (pick >= 0) {
      sequence = this.idle.splice(pick, 1)[0] as LlamaContextSequence
    } else if (this.idle.length + this.inUse < this.capacity) {
      // no state to reuse: a new sequence keeps the others' states for the tasks they fit
      sequence = this.context.getSequence()
    } else {
      const lru = this.idle.shift()
      // the scheduler admits at most `capacity` tasks per model, so one is always idle here
      if (lru == null) throw new InvalidRequestError('no free context sequence')
      sequence = lru
    }
    this.inUse++
    const keep = prompt == null ? sequence.nextTokenIndex : Math.min(shared, Math.max(0, prompt.length - 1))
    try {
      if (prompt != null && sequence.nextTokenIndex > keep) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }])
    } catch (err) {
      this.release(sequence, { ok: false })
      throw err
    }
    if (prompt != null) {
      this.reusedTokens += keep
      this.evaluatedTokens += prompt.length - keep
    }
    return { sequence, reused: prompt == null ? 0 : keep }
  }

  /** Gives a sequence back: kept with its state after a task that ended well, disposed otherwise. */
  release (sequence: LlamaContextSequence, outcome: { ok: boolean }): void {
    this.inUse = Math.max(0, this.inUse - 1)
    if (outcome.ok && !sequence.disposed) this.idle.push(sequence)
    else if (!sequence.disposed) sequence.dispose()
  }

  stats (): SequenceCacheStats {
    return { resident: this.idle.length + this.inUse, reusedTokens: this.reusedTokens, evaluatedTokens: this.evaluatedTokens }
  }
}
