/**
 * The A2A task store (the SDK's `TaskStore`), bounded: at most
 * `MAX_STORED_TASKS` tasks and about `MAX_STORED_TASK_CHARS` characters of
 * text and data, the oldest finished tasks dropped first (a dropped task is
 * `TaskNotFoundError` to `GetTask`, as the spec allows for purged tasks).
 * Tasks live in memory only: A2A tasks are a view of Mycel tasks, whose
 * record is the audit log. Every caller holds the one API token, so there
 * is one owner and no tenants.
 */
import type { ListTasksRequest, ListTasksResponse, Part, Task } from '@a2a-js/sdk'
import { TaskState } from '@a2a-js/sdk'
import type { TaskStore } from '@a2a-js/sdk/server'
import { MAX_STORED_TASK_CHARS, MAX_STORED_TASKS } from './constants.ts'

export interface TaskStoreInit {
  /** @default MAX_STORED_TASKS */
  maxTasks?: number
  /** @default MAX_STORED_TASK_CHARS */
  maxChars?: number
}

const TERMINAL = new Set([TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED, TaskState.TASK_STATE_REJECTED])
const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 100

function partChars (p: Part): number {
  const c = p.content
  if (c == null) return 0
  if (c.$case === 'text' || c.$case === 'url') return c.value.length
  if (c.$case === 'raw') return c.value.length
  return JSON.stringify(c.value ?? null).length
}

/** A rough size: the text and data a task holds. */
function charsOf (task: Task): number {
  let n = 0
  for (const m of task.history) for (const p of m.parts) n += partChars(p)
  for (const a of task.artifacts) for (const p of a.parts) n += partChars(p)
  for (const p of task.status?.message?.parts ?? []) n += partChars(p)
  return n
}

export class BoundedTaskStore implements TaskStore {
  /** In insertion order, oldest first. */
  private readonly tasks = new Map<string, { task: Task, chars: number }>()
  private chars = 0
  private readonly maxTasks: number
  private readonly maxChars: number

  constructor (init: TaskStoreInit = {}) {
    this.maxTasks = init.maxTasks ?? MAX_STORED_TASKS
    this.maxChars = init.maxChars ?? MAX_STORED_TASK_CHARS
  }

  async save (task: Task): Promise<void> {
    const old = this.tasks.get(task.id)
    // an existing key keeps its place: the order stays that of creation
    if (old != null) this.chars -= old.chars
    const entry = { task: structuredClone(task), chars: charsOf(task) }
    this.tasks.set(task.id, entry)
    this.chars += entry.chars
    this.evict()
  }

  async load (taskId: string): Promise<Task | undefined> {
    const e = this.tasks.get(taskId)
    return e != null ? structuredClone(e.task) : undefined
  }

  async list (params: ListTasksRequest): Promise<ListTasksResponse> {
    let tasks = [...this.tasks.values()].map(e => e.task).reverse()
    if (params.contextId !== '') tasks = tasks.filter(t => t.contextId === params.contextId)
    if (params.status !== TaskState.TASK_STATE_UNSPECIFIED) tasks = tasks.filter(t => t.status?.state === params.status)
    const totalSize = tasks.length
    // the page token is the id of the last task of the page before
    if (params.pageToken !== '') {
      const at = tasks.findIndex(t => t.id === params.pageToken)
      tasks = at === -1 ? [] : tasks.slice(at + 1)
    }
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, params.pageSize ?? DEFAULT_PAGE_SIZE))
    const page = tasks.slice(0, pageSize).map(t => {
      const copy = structuredClone(t)
      if (params.includeArtifacts !== true) copy.artifacts = []
      return copy
    })
    const last = page.at(-1)
    return { tasks: page, nextPageToken: tasks.length > page.length && last != null ? last.id : '', pageSize, totalSize }
  }

  /** Drops the oldest finished tasks while over a bound; running tasks stay (their count is bounded elsewhere). */
  private evict (): void {
    if (this.tasks.size <= this.maxTasks && this.chars <= this.maxChars) return
    for (const [id, e] of this.tasks) {
      if (this.tasks.size <= this.maxTasks && this.chars <= this.maxChars) return
      if (e.task.status == null || !TERMINAL.has(e.task.status.state)) continue
      this.tasks.delete(id)
      this.chars -= e.chars
    }
  }
}
