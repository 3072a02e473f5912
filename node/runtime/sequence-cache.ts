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
 * A sequence remembers the session (`ChatRequest.sessionKey`) of the task
 * that last used it. Another session's task takes it by prefix only when
 * its prompt extends the whole state (nothing is lost), and when it must
 * evict, it takes a sequence no other session holds before one that
 * another does: two sessions with the same system prompt then each keep
 * their own conversation resident, where the longest-prefix rule alone
 * would hand the second session the first one's sequence (they share the
 * system prompt) and cut its turns.
 *
 * With a state store (state-store.ts), a sequence holding at least
 * `STATE_SAVE_MIN_TOKENS` that is about to lose them to an unrelated prompt
 * (or to its model's unload) is saved to disk first, and a prompt whose
 * prefix a saved state holds better than any resident sequence restores it
 * instead of evaluating it.
 *
 * @example
 * const { sequence, reused } = await cache.acquire(promptTokens, sessionKey)
 * try { ...sequence.evaluate(promptTokens.slice(reused))... } finally { cache.release(sequence, { ok, session: sessionKey }) }
 */
import type { LlamaContext, LlamaContextSequence, Token } from 'node-llama-cpp'
import { STATE_SAVE_MIN_TOKENS } from './constants.ts'
import { InvalidRequestError } from './errors.ts'
import type { SavedStateMatch, StateStore } from './state-store.ts'

export interface SequenceCacheStats {
  /** Sequences holding state now (idle or in use). */
  resident: number
  /** Prompt tokens taken from a resident state instead of evaluated, since load. */
  reusedTokens: number
  /** Prompt tokens restored from a state saved on disk instead of evaluated, since load. */
  restoredTokens: number
  /** Prompt tokens evaluated, since load. */
  evaluatedTokens: number
}

export interface SequenceCacheDisk {
  store: StateStore
  /** The loaded model: states are kept per SHA-256, so one is never loaded into another model. */
  model: { name: string, sha256: string }
}

export class SequenceCache {
  private readonly context: LlamaContext
  private readonly capacity: number
  /** Idle sequences, least recently used first. */
  private readonly idle: LlamaContextSequence[] = []
  private inUse = 0
  /** The session whose task last used each sequence, if it had one. */
  private readonly owners = new WeakMap<LlamaContextSequence, string>()
  private readonly disk: SequenceCacheDisk | undefined
  private reusedTokens = 0
  private restoredTokens = 0
  private evaluatedTokens = 0

  constructor (context: LlamaContext, capacity: number, disk?: SequenceCacheDisk) {
    this.context = context
    this.capacity = capacity
    this.disk = disk
  }

  /**
   * A sequence for a task, and how many of `prompt`'s tokens its state
   * already holds (evaluate `prompt.slice(reused)`). At least the last
   * prompt token is always left to evaluate, so the model gives logits for
   * the first new token. Without a prompt: the least recently used one.
   * `session`: the task's session; sequences other sessions hold are spared.
   */
  async acquire (prompt?: readonly Token[], session?: string): Promise<{ sequence: LlamaContextSequence, reused: number }> {
    const wanted = prompt != null && prompt.length > 0 ? prompt : undefined
    const saved = wanted != null ? await this.disk?.store.match(this.disk.model.sha256, wanted) : undefined
    // from here to `inUse++` nothing awaits: the choice and the count stay in step
    let pick = -1
    let shared = 0
    const spared = (s: LlamaContextSequence): boolean => { const owner = this.owners.get(s); return owner != null && owner !== session }
    if (wanted != null) {
      this.idle.forEach((s, i) => {
        const n = s.compareContextTokens(wanted as Token[]).firstDifferentIndex
        // another session's sequence only when this prompt continues all of it
        if (spared(s) && n < s.nextTokenIndex) return
        if (n > shared) { shared = n; pick = i }
      })
    }
    // a disk load pays only where it saves a long evaluation: at least STATE_SAVE_MIN_TOKENS past the resident match
    const restore: SavedStateMatch | undefined = saved != null && saved.shared - shared >= STATE_SAVE_MIN_TOKENS ? saved : undefined
    if (restore != null) pick = -1
    let sequence: LlamaContextSequence
    if (pick >= 0) {
      sequence = this.idle.splice(pick, 1)[0] as LlamaContextSequence
    } else if (this.idle.length + this.inUse < this.capacity) {
      // no state to reuse: a new sequence keeps the others' states for the tasks they fit
      sequence = this.context.getSequence()
    } else {
      // the least recently used sequence no other session holds, else the least recently used
      const i = Math.max(0, this.idle.findIndex(s => !spared(s)))
      const lru = this.idle.splice(i, 1)[0]
      // the scheduler admits at most `capacity` tasks per model, so one is always idle here
      if (lru == null) throw new InvalidRequestError('no free context sequence')
      sequence = lru
      // what the start of its state still shares with the prompt is kept
      if (wanted != null && restore == null) shared = sequence.compareContextTokens(wanted as Token[]).firstDifferentIndex
    }
    this.inUse++
    let restored = 0
    let keep = 0
    try {
      if (restore != null) {
        await this.evict(sequence, 0, restore.entry)
        if (sequence.nextTokenIndex > 0) await sequence.clearHistory()
        if (await (this.disk as SequenceCacheDisk).store.restore(restore.entry, sequence)) {
          restored = Math.min(sequence.compareContextTokens(wanted as Token[]).firstDifferentIndex, (wanted as Token[]).length - 1)
        }
      }
      keep = prompt == null ? sequence.nextTokenIndex : Math.min(restore != null ? restored : shared, Math.max(0, prompt.length - 1))
      if (prompt != null && sequence.nextTokenIndex > keep) {
        if (restore == null) await this.evict(sequence, keep)
        await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }])
      }
    } catch (err) {
      this.release(sequence, { ok: false })
      throw err
    }
    if (prompt != null) {
      if (restore != null) this.restoredTokens += keep
      else this.reusedTokens += keep
      this.evaluatedTokens += prompt.length - keep
    }
    return { sequence, reused: prompt == null ? 0 : keep }
  }

  /** Saves the idle sequences' long states (the model is about to unload). */
  async persist (): Promise<void> {
    for (const s of this.idle) await this.evict(s, 0)
  }

  /** Saves `sequence`'s state to disk when erasing it from `keep` on would drop a long one. */
  private async evict (sequence: LlamaContextSequence, keep: number, spare?: SavedStateMatch['entry']): Promise<void> {
    if (this.disk == null || sequence.disposed || sequence.nextTokenIndex - keep < STATE_SAVE_MIN_TOKENS) return
    await this.disk.store.save(this.disk.model, sequence, spare)
  }

  /**
   * Gives a sequence back: kept with its state (and the task's session) after
   * a task that ended well, disposed otherwise. `untouched`: the task never
   * used it, so it stays whose it was.
   */
  release (sequence: LlamaContextSequence, outcome: { ok: boolean, session?: string | undefined, untouched?: boolean }): void {
    this.inUse = Math.max(0, this.inUse - 1)
    if (outcome.ok && !sequence.disposed) {
      if (outcome.untouched !== true && outcome.session != null) this.owners.set(sequence, outcome.session)
      else if (outcome.untouched !== true) this.owners.delete(sequence)
      this.idle.push(sequence)
    } else if (!sequence.disposed) sequence.dispose()
  }

  /** Sequences no task holds now (idle ones count: their state only speeds a task up). */
  free (): number {
    return Math.max(0, this.capacity - this.inUse)
  }

  stats (): SequenceCacheStats {
    return { resident: this.idle.length + this.inUse, reusedTokens: this.reusedTokens, restoredTokens: this.restoredTokens, evaluatedTokens: this.evaluatedTokens }
  }
}
