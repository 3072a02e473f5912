/**
 * What every task shares once its model is known: a unique id `cancel` can
 * reach, a timeout that counts queue time, the caller's signal, a scheduler
 * slot, the loaded model held for the task's length, and `abortAll` for
 * `stop()` to fail whatever is queued or running.
 */
import { TaskCanceledError, TaskTimeoutError, InvalidRequestError, UnknownTaskError } from './errors.ts'
import type { LoadedModel, ModelPool } from './model-pool.ts'
import type { RegisteredModel } from './registry.ts'
import type { TaskOptions } from './requests.ts'
import type { Scheduler } from './scheduler.ts'

export type TaskBody<T> = (loaded: LoadedModel, signal: AbortSignal) => Promise<T>

export class TaskRunner {
  private readonly scheduler: Scheduler
  private readonly timeoutMs: number
  private readonly tasks = new Map<string, AbortController>()
  private readonly inFlight = new Set<{ controller: AbortController, done: Promise<unknown> }>()

  constructor (scheduler: Scheduler, timeoutMs: number) {
    this.scheduler = scheduler
    this.timeoutMs = timeoutMs
  }

  /** Queues `body` on `entry` under scheduler key `key` (a model's name, or its embedding slot). */
  async run<T> (opts: TaskOptions, key: string, pool: ModelPool, entry: RegisteredModel, body: TaskBody<T>): Promise<T> {
    if (opts.taskId != null && this.tasks.has(opts.taskId)) throw new InvalidRequestError(`task id "${opts.taskId}" is already in use`)
    const controller = new AbortController()
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    const timer = setTimeout(() => { controller.abort(new TaskTimeoutError(timeoutMs)) }, timeoutMs)
    const onCallerAbort = (): void => { controller.abort(new TaskCanceledError()) }
    if (opts.signal?.aborted === true) onCallerAbort()
    else opts.signal?.addEventListener('abort', onCallerAbort, { once: true })
    if (opts.taskId != null) this.tasks.set(opts.taskId, controller)
    const run = async (): Promise<T> => {
      const lease = await this.scheduler.acquire(key, opts.priority ?? 'interactive', controller.signal)
      const started = performance.now()
      try {
        const loaded = await pool.use(entry)
        try {
          if (controller.signal.aborted) throw controller.signal.reason
          return await body(loaded, controller.signal)
        } finally {
          pool.release(entry.name)
        }
      } finally {
        lease.release()
        this.scheduler.recordDuration(performance.now() - started)
      }
    }
    const done = run()
    const handle = { controller, done }
    this.inFlight.add(handle)
    try {
      return await done
    } finally {
      this.inFlight.delete(handle)
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onCallerAbort)
      if (opts.taskId != null && this.tasks.get(opts.taskId) === controller) this.tasks.delete(opts.taskId)
    }
  }

  /** Cancels a queued or running task by the id it was given. */
  cancel (taskId: string): void {
    const c = this.tasks.get(taskId)
    if (c == null) throw new UnknownTaskError(taskId)
    c.abort(new TaskCanceledError())
  }

  /** Aborts every task with `reason` and waits for each to end. */
  async abortAll (reason: Error): Promise<void> {
    for (const t of this.inFlight) t.controller.abort(reason)
    await Promise.allSettled([...this.inFlight].map(async t => await t.done))
  }
}
