/**
 * Folds audit entries into what metrics count: a task's start (`task.sent`
 * on the delegator, `task.received` on the executor or for a local run) is
 * remembered by task id and the other peer, and its final state (`task.state`
 * completed/failed/canceled/rejected, or the delegator's `task.result`)
 * becomes one outcome with its kind, role and duration. Entries follow the
 * vocabulary of `tasks/router.ts` and `tasks/executor.ts`.
 */
import type { AuditEntry } from '../audit/entry.ts'
import { MAX_KIND_LABELS, MAX_TRACKED_TASKS } from './constants.ts'

export type TaskRole = 'delegator' | 'executor' | 'local'

export type FoldEvent =
  | { type: 'task', kind: string, role: TaskRole, state: string, durationMs: number, peer: string }
  | { type: 'tokens', kind: string, prompt: number, completion: number }
  | { type: 'denied', kind: string, direction: string }
  | { type: 'rejected', code: string }

interface Started { kind: string, role: TaskRole, at: number, peer: string }

const FINAL = new Set(['completed', 'failed', 'canceled', 'rejected'])

export interface TaskFoldInit {
  /** @default MAX_TRACKED_TASKS */
  maxTracked?: number
  /** @default MAX_KIND_LABELS */
  maxKinds?: number
}

export class TaskFold {
  private readonly open = new Map<string, Started>()
  private readonly kinds = new Set<string>()
  private readonly maxTracked: number
  private readonly maxKinds: number

  constructor (init: TaskFoldInit = {}) {
    this.maxTracked = init.maxTracked ?? MAX_TRACKED_TASKS
    this.maxKinds = init.maxKinds ?? MAX_KIND_LABELS
  }

  /** What `entry` finishes or counts; most entries count nothing. */
  add (entry: AuditEntry): FoldEvent[] {
    const data = entry.data ?? {}
    const key = `${entry.task ?? ''}/${entry.peer ?? ''}`
    switch (entry.type) {
      case 'task.sent':
        this.begin(key, { kind: this.kind(data.kind), role: 'delegator', at: entry.time, peer: entry.peer ?? '' })
        return []
      case 'task.received':
        this.begin(key, { kind: this.kind(data.kind), role: data.local === true || entry.peer === entry.actor ? 'local' : 'executor', at: entry.time, peer: entry.peer ?? '' })
        return []
      case 'task.result': {
        const started = this.open.get(key)
        if (started == null) return []
        // the executor's result carries tokens and is followed by its `completed` state; the delegator's ends the task
        if (started.role !== 'delegator') {
          const prompt = num(data.promptTokens)
          const completion = num(data.completionTokens)
          return prompt + completion > 0 ? [{ type: 'tokens', kind: started.kind, prompt, completion }] : []
        }
        return this.finish(key, started, 'completed', entry.time)
      }
      case 'task.state': {
        const state = typeof data.state === 'string' ? data.state : ''
        const started = this.open.get(key)
        if (started == null || !FINAL.has(state)) return []
        return this.finish(key, started, state, entry.time)
      }
      case 'task.rejected': {
        const out: FoldEvent[] = [{ type: 'rejected', code: typeof data.code === 'string' ? data.code : 'unknown' }]
        const started = this.open.get(key)
        if (started != null) out.push(...this.finish(key, started, 'rejected', entry.time))
        return out
      }
      case 'policy.decision': {
        if (data.allow !== false) return []
        const kind = this.kind(data.kind)
        const out: FoldEvent[] = [{ type: 'denied', kind, direction: typeof data.direction === 'string' ? data.direction : 'unknown' }]
        // an inbound denial is the executor's last word on the task
        const started = this.open.get(key)
        if (started != null && data.direction === 'inbound') out.push(...this.finish(key, started, 'rejected', entry.time))
        return out
      }
      default:
        return []
    }
  }

  private begin (key: string, started: Started): void {
    this.open.delete(key)
    this.open.set(key, started)
    // a task refused without a last entry (rate limit, unknown kind) is forgotten with the oldest
    while (this.open.size > this.maxTracked) this.open.delete(this.open.keys().next().value as string)
  }

  private finish (key: string, started: Started, state: string, at: number): FoldEvent[] {
    this.open.delete(key)
    return [{ type: 'task', kind: started.kind, role: started.role, state, durationMs: Math.max(0, at - started.at), peer: started.peer }]
  }

  /** A kind as a label value: peers choose kinds, so the set of labels is capped. */
  private kind (value: unknown): string {
    if (typeof value !== 'string' || value === '') return 'unknown'
    if (this.kinds.has(value)) return value
    if (this.kinds.size >= this.maxKinds) return 'other'
    this.kinds.add(value)
    return value
  }
}

function num (v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0
}
