/**
 * Admission for inference tasks: each key (a model, or a model's embedding
 * context) has a number of slots (its context's sequences); tasks beyond the
 * free slots wait in one bounded queue, ordered by priority then arrival.
 * A full queue rejects with `RuntimeBusyError` and a retry-after estimate;
 * nothing is ever dropped silently. A waiting task whose signal aborts leaves
 * the queue at once.
 *
 * @example
 * const s = new Scheduler({ maxQueued: 8, capacity: () => 4 })
 * const lease = await s.acquire('tiny', 'interactive', signal)
 * try { ... } finally { lease.release() }
 */
import { MAX_QUEUED_TASKS, RETRY_AFTER_MAX_MS, RETRY_AFTER_MIN_MS, TASK_DURATION_GUESS_MS } from './constants.ts'
import { RuntimeBusyError, RuntimeStoppedError, TaskCanceledError } from './errors.ts'

/** Interactive (a person waits) before delegated (a peer's task) before background work. */
export type TaskPriority = 'interactive' | 'delegated' | 'background'

const RANK: Record<TaskPriority, number> = { interactive: 0, delegated: 1, background: 2 }

export interface SchedulerInit {
  /** @default MAX_QUEUED_TASKS */
  maxQueued?: number
  /** Slots of a key. */
  capacity: (key: string) => number
}

export interface Lease {
  readonly key: string
  /** Frees the slot for the next waiting task; idempotent. */
  release: () => void
}

interface Waiter {
  key: string
  rank: number
  order: number
  grant: (lease: Lease) => void
  fail: (err: Error) => void
}

export interface SchedulerStats {
  running: number
  queued: number
  /** Running tasks per key. */
  byKey: Record<string, number>
}

export class Scheduler {
  private readonly maxQueued: number
  private readonly capacity: (key: string) => number
  private readonly running = new Map<string, number>()
  private readonly queue: Waiter[] = []
  private order = 0
  private avgDurationMs = TASK_DURATION_GUESS_MS
  private stopped = false

  constructor (init: SchedulerInit) {
    this.maxQueued = init.maxQueued ?? MAX_QUEUED_TASKS
    this.capacity = init.capacity
  }

  /**
   * Resolves with a lease once a slot of `key` is free.
   * @throws RuntimeBusyError when the queue is full, TaskCanceledError when `signal` aborts while waiting
   */
  async acquire (key: string, priority: TaskPriority, signal?: AbortSignal): Promise<Lease> {
    if (this.stopped) throw new RuntimeStoppedError()
    if (signal?.aborted === true) throw abortReason(signal)
    const rank = RANK[priority]
    const waitingSameKey = this.queue.some(w => w.key === key && w.rank <= rank)
    if (!waitingSameKey && (this.running.get(key) ?? 0) < this.capacity(key)) return this.grant(key)
    if (this.queue.length >= this.maxQueued) throw new RuntimeBusyError(this.retryAfterMs(key))
    return await new Promise<Lease>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter)
        if (i >= 0) this.queue.splice(i, 1)
        reject(abortReason(signal as AbortSignal))
      }
      const waiter: Waiter = {
        key,
        rank,
        order: this.order++,
        grant: lease => { signal?.removeEventListener('abort', onAbort); resolve(lease) },
        fail: err => { signal?.removeEventListener('abort', onAbort); reject(err) }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      // Keep the queue sorted: by rank, then arrival.
      let i = this.queue.length
      while (i > 0 && (this.queue[i - 1] as Waiter).rank > rank) i--
      this.queue.splice(i, 0, waiter)
    })
  }

  /** Feeds the retry-after estimate with how long a task held its slot. */
  recordDuration (ms: number): void {
    this.avgDurationMs = this.avgDurationMs * 0.8 + ms * 0.2
  }

  /** How long a rejected caller should wait: the queue ahead drained at the observed task rate. */
  retryAfterMs (key: string): number {
    const slots = Math.max(1, this.capacity(key))
    const ahead = this.queue.filter(w => w.key === key).length + 1
    const ms = Math.ceil(ahead / slots) * this.avgDurationMs
    return Math.round(Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, ms)))
  }

  stats (): SchedulerStats {
    let running = 0
    const byKey: Record<string, number> = {}
    for (const [k, n] of this.running) { running += n; byKey[k] = n }
    return { running, queued: this.queue.length, byKey }
  }

  /** Fails every waiting task; running ones keep their leases until released. */
  stop (): void {
    this.stopped = true
    for (const w of this.queue.splice(0)) w.fail(new RuntimeStoppedError('The runtime stopped before the task started'))
  }

  start (): void {
    this.stopped = false
  }

  private grant (key: string): Lease {
    this.running.set(key, (this.running.get(key) ?? 0) + 1)
    let released = false
    return {
      key,
      release: () => {
        if (released) return
        released = true
        const n = (this.running.get(key) ?? 1) - 1
        if (n === 0) this.running.delete(key)
        else this.running.set(key, n)
        this.dispatch(key)
      }
    }
  }

  private dispatch (key: string): void {
    while ((this.running.get(key) ?? 0) < this.capacity(key)) {
      const i = this.queue.findIndex(w => w.key === key)
      if (i < 0) return
      const [w] = this.queue.splice(i, 1) as [Waiter]
      w.grant(this.grant(key))
    }
  }
}

function abortReason (signal: AbortSignal): Error {
  const r: unknown = signal.reason
  if (r instanceof Error && r.name !== 'AbortError') return r
  return new TaskCanceledError()
}
