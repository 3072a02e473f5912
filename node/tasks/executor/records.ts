/**
 * The executor's tasks and what it keeps of them for re-attach. Frames hold
 * output in clear (the wire seals them per stream). A finished task stays
 * re-attachable for the retention time, and all finished tasks together keep
 * at most a byte budget of frames: past it the oldest finished go first, so
 * no run of large tasks makes the node hold their output for ten minutes.
 *
 * @example
 * const records = new TaskRecords({ retentionMs: 60_000, retainedMaxBytes: 1 << 20 })
 * records.add(record); records.finished(record); records.sweep()
 */
import type { WireErrorCode } from '../../../protocol/codes.ts'
import type { DataClass, TaskEvent, TaskState } from '../../../protocol/task/messages.ts'
import type { VerifiedChain } from '../../../protocol/chain/index.ts'

/** How the wire seals a task's frame data for its delegator (identity for local runs). */
export type Sealer = (plain: Uint8Array, seq: number) => Uint8Array

export interface TaskRecord {
  taskId: string
  kind: string
  model?: string
  dataClass: DataClass
  delegator: string
  executor: string
  state: TaskState
  createdAt: number
  updatedAt: number
  /** Every event in order, chunk and result data in clear; emptied when the task is evicted. */
  frames: TaskEvent[]
  /** Bytes of chunk and result data in `frames`. */
  frameBytes: number
  lastSeq: number
  controller: AbortController
  /** Followers waiting for the next frame. */
  waiters: Array<() => void>
  /** Audit appends not yet known to be written. */
  pendingAudit: Array<Promise<unknown>>
  seal: Sealer
  /** The delegation chain the task arrived with, verified; handed to the kind. */
  chain?: VerifiedChain
  errorCode?: WireErrorCode
  /** The local error's own message: shown to a local caller, never sent to a peer. */
  errorMessage?: string
}

export interface RecordsInit { retentionMs: number, retainedMaxBytes: number }

export class TaskRecords {
  private readonly tasks = new Map<string, TaskRecord>()
  /** Keys of finished tasks, oldest finished first. */
  private readonly done = new Set<string>()
  private retainedBytes = 0
  private readonly retentionMs: number
  private readonly retainedMaxBytes: number

  constructor (init: RecordsInit) {
    this.retentionMs = init.retentionMs
    this.retainedMaxBytes = init.retainedMaxBytes
  }

  static key (delegator: string, taskId: string): string { return `${delegator}/${taskId}` }

  add (record: TaskRecord): void {
    this.tasks.set(TaskRecords.key(record.delegator, record.taskId), record)
  }

  get (delegator: string, taskId: string): TaskRecord | undefined {
    return this.tasks.get(TaskRecords.key(delegator, taskId))
  }

  values (): IterableIterator<TaskRecord> { return this.tasks.values() }

  /** Counts a final task's frames against the budget, evicting the oldest finished tasks past it. */
  finished (record: TaskRecord): void {
    const key = TaskRecords.key(record.delegator, record.taskId)
    if (this.done.has(key) || !this.tasks.has(key)) return
    this.done.add(key)
    this.retainedBytes += record.frameBytes
    for (const k of this.done) {
      if (this.retainedBytes <= this.retainedMaxBytes) break
      this.evict(k)
    }
  }

  /** Forgets finished tasks past their retention; returns how many went. */
  sweep (now = Date.now()): number {
    const cutoff = now - this.retentionMs
    let n = 0
    for (const k of this.done) {
      const r = this.tasks.get(k)
      if (r != null && r.updatedAt >= cutoff) continue
      this.evict(k)
      n++
    }
    return n
  }

  /** What finished tasks hold for re-attach. */
  retained (): { tasks: number, bytes: number } {
    return { tasks: this.done.size, bytes: this.retainedBytes }
  }

  private evict (key: string): void {
    const r = this.tasks.get(key)
    this.done.delete(key)
    this.tasks.delete(key)
    if (r == null) return
    this.retainedBytes -= r.frameBytes
    r.frames = []
    r.frameBytes = 0
  }
}
