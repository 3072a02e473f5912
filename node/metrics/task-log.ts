/**
 * One line per finished task, for the operator: kind, this node's role, the
 * other peer, final state and duration, never input or output (those stay
 * out of the audit log too). Followed from the audit log like `/metrics`, so
 * a task the audit saw end is a task logged. Written to the `mycel:task`
 * debug logger (`DEBUG=mycel:*`) and handed to `onTask` (`mycel start`
 * prints it, so a service's journal has it).
 *
 * @example
 * const log = taskLog({ onTask: t => { console.log(formatTaskLine(t)) } })({ audit, logger: createLogger('mycel:task') })
 * log.start()
 */
import type { Logger } from '@libp2p/interface'
import type { ObservedAuditLog } from './observed-audit-log.ts'
import { TaskFold, type FoldEvent } from './task-fold.ts'

export type TaskOutcome = Omit<Extract<FoldEvent, { type: 'task' }>, 'type'>

export interface TaskLogInit {
  /** Called once per finished task. @default none (the debug logger only) */
  onTask?: (task: TaskOutcome) => void
}

export interface TaskLogComponents {
  audit: Pick<ObservedAuditLog, 'subscribe'>
  logger: Logger
}

/** `llm.chat executor completed 1.24s peer 12D3KooW…`: the line both outputs share. */
export function formatTaskLine (t: TaskOutcome): string {
  const duration = t.durationMs < 1000 ? `${Math.round(t.durationMs)}ms` : `${(t.durationMs / 1000).toFixed(2)}s`
  return `task ${t.kind} ${t.role} ${t.state} ${duration} peer ${t.peer !== '' ? t.peer : '-'}`
}

export function taskLog (init: TaskLogInit = {}): (components: TaskLogComponents) => TaskLog {
  return (components) => new TaskLog(components, init)
}

export class TaskLog {
  private readonly c: TaskLogComponents
  private readonly onTask: ((task: TaskOutcome) => void) | undefined
  private readonly fold = new TaskFold()
  private unsubscribe?: () => void

  constructor (components: TaskLogComponents, init: TaskLogInit) {
    this.c = components
    this.onTask = init.onTask
  }

  start (): void {
    this.unsubscribe ??= this.c.audit.subscribe(entry => {
      for (const e of this.fold.add(entry)) {
        if (e.type !== 'task') continue
        const { type: _type, ...task } = e
        this.c.logger(formatTaskLine(task))
        this.onTask?.(task)
      }
    })
  }

  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
  }
}
