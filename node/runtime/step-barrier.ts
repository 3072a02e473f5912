/**
 * Decode steps in line: the generations on one context wait for each other
 * between tokens, so that every step decodes one token of each generating
 * sequence in one batch, in ascending sequence order.
 *
 * node-llama-cpp batches whatever is queued when it dispatches, and left to
 * itself two things spoil that on a model whose step reads every weight:
 * - A laggard. After a step, each sequence samples its token on the thread
 *   pool and queues its next one; node-llama-cpp's dispatch loop starts the
 *   next step as soon as any are queued, so the sequence whose sampling
 *   finished last misses it, every step. 4 sequences ran 3 per step.
 * - Order. With a KV cache per sequence (node-llama-cpp never unifies it),
 *   llama.cpp splits a batch into micro-batches of ascending, consecutive
 *   sequence ids, and each micro-batch reads every weight again. A step of
 *   sequences 0-3 queued as 2, 0, 3, 1 costs about three steps of one.
 * Measured on the `large` bench model (one CPU thread, `npm run bench --
 * batching`): a step of 4 tokens in order takes about 150 ms against 92 ms
 * for 1, and 280-290 ms out of order.
 *
 * So a generation joins after its prompt (a prompt step can be long, and no
 * one waits for it), and before each next token calls `step()`, which
 * resolves when every member is waiting, in sequence order, on a later
 * macrotask: by then node-llama-cpp's loop has found nothing queued and
 * stopped, so all of them queue for one dispatch. A member's wait is at most
 * the step the others still run; `STEP_BARRIER_MAX_WAIT_MS` is only a guard
 * (an overdue wait releases those waiting, at the price of one step out of
 * line). Both token loops, Mycel's own (`generate`) and node-llama-cpp's
 * `LlamaChat` (function calling, `json_schema`), get it the same way:
 * `inLine` gives them a view of the sequence whose `evaluate` iterators
 * take their steps here, so both reach node-llama-cpp's queue alike.
 *
 * @example
 * const lined = inLine(sequence, barrier, signal)
 * try { for await (const token of lined.sequence.evaluate(prompt)) ... } finally { lined.leave() }
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp'
import { STEP_BARRIER_MAX_WAIT_MS } from './constants.ts'

export interface StepMember {
  /**
   * Resolves when every member of the barrier is waiting for its next step
   * (or the wait is overdue); rejects with `signal`'s reason if it aborts
   * first. Both loops await it the same way, so released members reach
   * node-llama-cpp's queue in the order they were released.
   */
  step: (signal?: AbortSignal) => Promise<void>
  /** Leaves the barrier (the generation ended); the others no longer wait for it. Idempotent. */
  leave: () => void
}

interface Member {
  order: number
  /** Set while the member waits for its step. */
  release?: () => void
}

export interface StepBarrierStats {
  /** Steps that went out with two or more generations in line. */
  lined: number
  /** Waits the guard ended before every member was ready. */
  overdue: number
}

export interface StepBarrierInit {
  /** Longest wait before the waiting members are released without the rest. */
  maxWaitMs?: number
}

export class StepBarrier {
  private readonly members = new Set<Member>()
  private waiting = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly maxWaitMs: number
  private lined = 0
  private overdue = 0

  constructor (init: StepBarrierInit = {}) {
    this.maxWaitMs = init.maxWaitMs ?? STEP_BARRIER_MAX_WAIT_MS
  }

  /** Generations in the barrier now. */
  get size (): number { return this.members.size }

  stats (): StepBarrierStats {
    return { lined: this.lined, overdue: this.overdue }
  }

  /** `order`: the member's place in a step, its sequence id (`sequenceOrder`). */
  join (order: number): StepMember {
    const member: Member = { order }
    this.members.add(member)
    return {
      step: async (signal) => await new Promise<void>((resolve, reject) => {
        if (!this.members.has(member)) { resolve(); return }
        if (signal?.aborted === true) { reject(signal.reason); return }
        const onAbort = (): void => {
          if (member.release !== release) return
          member.release = undefined
          this.waiting--
          reject(signal?.reason)
          this.check()
        }
        const release = (): void => { signal?.removeEventListener('abort', onAbort); resolve() }
        // one wait at a time: a second call takes over, and the first resolves
        if (member.release != null) member.release()
        else this.waiting++
        member.release = release
        signal?.addEventListener('abort', onAbort, { once: true })
        this.check()
      }),
      leave: () => {
        if (!this.members.delete(member)) return
        if (member.release != null) { this.waiting--; const release = member.release; member.release = undefined; release() }
        this.check()
      }
    }
  }

  private check (): void {
    if (this.waiting === 0) { this.clearTimer(); return }
    if (this.waiting < this.members.size) {
      if (this.timer == null) {
        this.timer = setTimeout(() => { this.timer = undefined; this.overdue++; this.releaseWaiting() }, this.maxWaitMs)
        // a guard only: it never keeps the process alive
        this.timer.unref()
      }
      return
    }
    this.releaseWaiting()
  }

  private releaseWaiting (): void {
    this.clearTimer()
    const ready = [...this.members].filter(m => m.release != null).sort((a, b) => a.order - b.order)
    const releases = ready.map(m => { const r = m.release as () => void; m.release = undefined; return r })
    this.waiting = 0
    if (releases.length === 0) return
    // One member has no one to line up with: at once. Several: on a macrotask, in order.
    if (this.members.size <= 1) { for (const r of releases) r(); return }
    if (releases.length > 1) this.lined++
    setImmediate(() => { for (const r of releases) r() })
  }

  private clearTimer (): void {
    if (this.timer != null) { clearTimeout(this.timer); this.timer = undefined }
  }
}

const seen = new WeakMap<LlamaContextSequence, number>()
let nextSeen = 0

/**
 * A sequence's id in its context: the order llama.cpp wants a batch in.
 * node-llama-cpp keeps it in a private field (`_sequenceId`); should that
 * change, sequences are ordered by when first seen, which costs speed only.
 */
export function sequenceOrder (sequence: LlamaContextSequence): number {
  const id = (sequence as unknown as { _sequenceId?: unknown })._sequenceId
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id
  let n = seen.get(sequence)
  if (n == null) { n = 1_000_000 + nextSeen++; seen.set(sequence, n) }
  return n
}

/**
 * `sequence` as a token loop should see it: every `evaluate` iterator's
 * `next()` after the first token waits for its step in `barrier`. The first token (the prompt) goes at once, as in
 * `generate`; a new iterator (LlamaChat starts one when it changes mode)
 * steps in line like any token. Everything else is the sequence's own.
 * `signal` ends a wait for a step (the chat's own). `leave` when the
 * generation ends.
 */
export function inLine (sequence: LlamaContextSequence, barrier: StepBarrier, signal?: AbortSignal): { sequence: LlamaContextSequence, leave: () => void } {
  let member: StepMember | undefined
  let left = false
  const evaluate = (...args: Parameters<LlamaContextSequence['evaluate']>): ReturnType<LlamaContextSequence['evaluate']> => {
    const inner = sequence.evaluate(...args)
    const outer: ReturnType<LlamaContextSequence['evaluate']> = {
      next: async (...next: [] | [void | Token | Token[]]) => {
        if (member != null) await member.step(signal)
        const r = await inner.next(...next)
        if (r.done !== true && member == null && !left) member = barrier.join(sequenceOrder(sequence))
        return r
      },
      return: async (value) => await inner.return(value),
      throw: async (err) => await inner.throw(err),
      [Symbol.asyncIterator] () { return outer },
      [Symbol.asyncDispose]: async () => { await inner.return(undefined) }
    }
    return outer
  }
  const view = new Proxy(sequence, {
    get (target, prop) {
      if (prop === 'evaluate') return evaluate
      const value: unknown = Reflect.get(target, prop, target)
      // the sequence's methods run on the sequence itself (it keeps private state)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    }
  })
  return { sequence: view, leave: () => { left = true; member?.leave() } }
}
