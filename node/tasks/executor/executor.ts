/**
 * The executor: runs task handlers for delegators (through the wire server)
 * and for this node (`runLocal`), under one bound of running and queued
 * tasks. Admission order is the runtime's scheduler (priority, then
 * arrival), the same one that orders inference; output stays in clear here
 * and is sealed only at the wire. Every step is audited, and a final frame
 * leaves only after the task's audit entries are written.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from '../../logger.ts'
import { encodeCbor } from '../../../protocol/cbor.ts'
import type { WireErrorCode } from '../../../protocol/codes.ts'
import { FINAL_STATES, type DataClass, type TaskEvent, type TaskState } from '../../../protocol/task/messages.ts'
import type { AppendOptions, AuditLog } from '../../audit/log.ts'
import { LAZY } from '../../audit/constants.ts'
import { digest, type AuditValue } from '../../audit/entry.ts'
import type { VerifiedChain } from '../../../protocol/chain/index.ts'
import { Scheduler, type Lease } from '../../runtime/scheduler.ts'
import type { TaskKindHandler, TaskKindRegistry, TaskOutput, TaskPriority } from '../registry.ts'
import { limitOf, TaskFailedError, UnknownTaskError, wireCodeOf } from '../errors.ts'
import { EXECUTOR_MAX_QUEUED, EXECUTOR_MAX_RUNNING, MAX_REASON_CHARS, TASK_RETAINED_MAX_BYTES, TASK_RETENTION_MS } from '../constants.ts'
import { TaskRecords, type Sealer, type TaskRecord } from './records.ts'
import { textOf, type OutputCheck, type Violation } from '../../guard/index.ts'

export interface EngineComponents {
  logger: Logger
  self: () => string
  registry: TaskKindRegistry
  audit: AuditLog
  /** Checks what a task sends to a remote delegator (streamed chunks and the result) for restricted memory text. @default no check */
  outputCheck?: OutputCheck
}

export interface EngineInit {
  /** Tasks running at once. @default EXECUTOR_MAX_RUNNING */
  maxRunning?: number
  /** Tasks waiting beyond those; more are rejected `busy`. @default EXECUTOR_MAX_QUEUED */
  maxQueued?: number
  /** How long finished tasks stay re-attachable. @default TASK_RETENTION_MS */
  retentionMs?: number
  /** Output bytes all finished tasks keep for re-attach. @default TASK_RETAINED_MAX_BYTES */
  retainedMaxBytes?: number
}

export interface TaskSummary {
  taskId: string
  kind: string
  model?: string
  role: 'executor' | 'delegator' | 'local'
  peer: string
  executor: string
  state: TaskState
  createdAt: number
  updatedAt: number
  /** The wire code of a failure. */
  error?: string
  /** What went wrong, in words (never for internal errors, whose messages stay in the node). */
  reason?: string
}

/** A task run on this node for a local caller. */
export interface LocalRun {
  kind: string
  input: unknown
  dataClass: DataClass
  priority?: TaskPriority
  signal?: AbortSignal
  taskId?: string
  onText?: (t: string) => void
}

/** The scheduler key of executor admission (the runtime's own keys are model names). */
const SLOT_KEY = 'tasks'

export class TaskEngine {
  private readonly c: EngineComponents
  readonly records: TaskRecords
  private readonly slots: Scheduler
  private readonly maxRunning: number
  private readonly maxQueued: number

  constructor (components: EngineComponents, init: EngineInit = {}) {
    this.c = components
    this.maxRunning = init.maxRunning ?? EXECUTOR_MAX_RUNNING
    this.maxQueued = init.maxQueued ?? EXECUTOR_MAX_QUEUED
    this.records = new TaskRecords({ retentionMs: init.retentionMs ?? TASK_RETENTION_MS, retainedMaxBytes: init.retainedMaxBytes ?? TASK_RETAINED_MAX_BYTES })
    this.slots = new Scheduler({ maxQueued: this.maxQueued, capacity: () => this.maxRunning })
  }

  /** How many tasks may be admitted at most (running plus queued): the wire sizes its stream limits to it. */
  get bound (): number { return this.maxRunning + this.maxQueued }

  start (): void { this.slots.start() }

  /** Cancels unfinished tasks (their delegators fail over) and fails what still waits. */
  stop (): void {
    for (const t of this.records.values()) if (!FINAL_STATES.has(t.state)) t.controller.abort(new TaskFailedError('unavailable', 'Node is shutting down'))
    this.slots.stop()
  }

  load (): { running: number, queued: number, slots: number } {
    const s = this.slots.stats()
    return { running: s.running, queued: s.queued, slots: this.maxRunning }
  }

  /** Whether every slot runs and the queue is full. */
  full (): boolean {
    const s = this.slots.stats()
    return s.running >= this.maxRunning && s.queued >= this.maxQueued
  }

  list (): TaskSummary[] {
    return [...this.records.values()].map(t => ({
      taskId: t.taskId,
      kind: t.kind,
      ...(t.model != null ? { model: t.model } : {}),
      role: t.delegator === t.executor ? 'local' as const : 'executor' as const,
      peer: t.delegator,
      executor: t.executor,
      state: t.state,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      ...(t.errorCode != null ? { error: t.errorCode } : {}),
      ...(t.errorMessage != null ? { reason: t.errorMessage.slice(0, MAX_REASON_CHARS) } : {})
    }))
  }

  newRecord (opts: { taskId: string, kind: string, model: string | undefined, dataClass: DataClass, delegator: string, seal: Sealer, chain?: VerifiedChain }): TaskRecord {
    const now = Date.now()
    const record: TaskRecord = {
      taskId: opts.taskId, kind: opts.kind, ...(opts.model != null ? { model: opts.model } : {}), dataClass: opts.dataClass,
      delegator: opts.delegator, executor: this.c.self(), state: 'submitted', createdAt: now, updatedAt: now,
      frames: [], frameBytes: 0, lastSeq: 0, controller: new AbortController(), waiters: [], pendingAudit: [], seal: opts.seal,
      ...(opts.chain != null ? { chain: opts.chain } : {})
    }
    this.records.add(record)
    return record
  }

  /** Every frame of a task after `afterSeq` (state frames always), then live ones until it is final. */
  async * follow (record: TaskRecord, afterSeq = 0): AsyncGenerator<TaskEvent> {
    let i = 0
    for (;;) {
      while (i < record.frames.length) {
        const e = record.frames[i++] as TaskEvent
        if (!('seq' in e) || e.seq > afterSeq) yield e
      }
      if (FINAL_STATES.has(record.state)) return
      await new Promise<void>(resolve => { record.waiters.push(resolve) })
    }
  }

  /**
   * Runs a task through its handler under the admission bound, publishing
   * chunks and a result in clear; resolves when it is final.
   */
  async execute (record: TaskRecord, handler: TaskKindHandler<unknown>, input: unknown, priority: TaskPriority): Promise<TaskOutput | undefined> {
    this.publish(record, { v: 1, t: 'state', taskId: record.taskId, state: 'submitted' })
    this.auditState(record, 'submitted', {}, LAZY)
    let lease: Lease
    try {
      lease = await this.slots.acquire(SLOT_KEY, priority, record.controller.signal)
    } catch (err) {
      await this.finishWithError(record, wireCodeOf(record.controller.signal.aborted ? record.controller.signal.reason : err), err)
      return undefined
    }
    try {
      this.publish(record, { v: 1, t: 'state', taskId: record.taskId, state: 'working' })
      record.state = 'working'
      this.auditState(record, 'working', {}, LAZY)
      const encoder = new TextEncoder()
      const publishText = (text: string): void => {
        const seq = ++record.lastSeq
        this.publish(record, { v: 1, t: 'chunk', taskId: record.taskId, seq, data: encoder.encode(text) })
      }
      // what leaves for another node passes the output check; a local caller's output is its own
      const check = this.c.outputCheck != null && this.c.outputCheck.active && record.delegator !== this.c.self() ? this.c.outputCheck : undefined
      const stream = check?.stream(record.delegator)
      const ctx = { task: record.taskId, kind: record.kind }
      const refuse = (text: string, v: Violation): Error => {
        const r = (check as OutputCheck).refusal(record.delegator, text, v, ctx)
        record.pendingAudit.push(r.audited)
        return r.error
      }
      const result = await handler.run(input, {
        taskId: record.taskId,
        from: record.delegator,
        signal: record.controller.signal,
        priority,
        ...(record.chain != null ? { chain: record.chain } : {}),
        emit: (text) => {
          if (stream == null) { publishText(text); return }
          if (record.controller.signal.aborted) return
          const r = stream.push(text)
          if ('violation' in r) record.controller.abort(refuse(stream.text, r.violation))
          else if (r.release !== '') publishText(r.release)
        }
      })
      record.controller.signal.throwIfAborted()
      if (stream != null) {
        const r = stream.end()
        if ('violation' in r) throw refuse(stream.text, r.violation)
        if (r.release !== '') publishText(r.release)
      }
      if (check != null) {
        const text = textOf(result.output)
        const v = check.violation(record.delegator, text)
        if (v != null) throw refuse(text, v)
      }
      const bytes = encodeCbor(result)
      const seq = ++record.lastSeq
      record.pendingAudit.push(this.c.audit.append({ type: 'task.result', actor: this.c.self(), peer: record.delegator, task: record.taskId, data: { output: digest(bytes), promptTokens: result.usage?.promptTokens ?? null, completionTokens: result.usage?.completionTokens ?? null } }))
      this.auditState(record, 'completed')
      await this.flushAudit(record)
      // the state shows as final together with the final frame, never before
      record.state = 'completed'
      this.publish(record, { v: 1, t: 'result', taskId: record.taskId, seq, data: bytes })
      return result
    } catch (err) {
      const code = record.controller.signal.aborted ? wireCodeOf(record.controller.signal.reason) : wireCodeOf(err)
      if (code === 'internal') this.c.logger.error('task %s failed: %s', record.taskId, (err as Error).stack ?? (err as Error).message)
      if (code !== 'internal') record.errorMessage = (err as Error).message
      await this.finishWithError(record, code, err)
      return undefined
    } finally {
      lease.release()
    }
  }

  /** Runs a task on this node for a local caller: same handlers, same audit, no wire. */
  async runLocal (opts: LocalRun & { chain?: VerifiedChain, chainAudit?: Record<string, AuditValue> }): Promise<TaskOutput & { taskId: string }> {
    const handler = this.c.registry.get(opts.kind)
    if (handler == null) throw new UnknownTaskError(`This node does not serve the task kind "${opts.kind}"`)
    const input = handler.parseInput(opts.input)
    const taskId = opts.taskId ?? randomBytes(16).toString('hex')
    const self = this.c.self()
    const record = this.newRecord({ taskId, kind: opts.kind, model: handler.modelOf?.(input), dataClass: opts.dataClass, delegator: self, seal: b => b, ...(opts.chain != null ? { chain: opts.chain } : {}) })
    const onAbort = (): void => { record.controller.abort(new TaskFailedError('canceled', 'Canceled')) }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const decoder = new TextDecoder()
    const reading = (async () => {
      for await (const e of this.follow(record)) if (e.t === 'chunk') opts.onText?.(decoder.decode(e.data, { stream: true }))
    })()
    try {
      await this.c.audit.append({ type: 'task.received', actor: self, peer: self, task: taskId, data: { kind: opts.kind, local: true, dataClass: opts.dataClass, ...opts.chainAudit } })
      const result = await this.execute(record, handler, input, opts.priority ?? 'interactive')
      await reading
      if (result == null) {
        const last = record.frames[record.frames.length - 1]
        const code = last?.t === 'error' ? last.code : record.errorCode ?? 'internal'
        throw new TaskFailedError(code, record.errorMessage, last?.t === 'error' ? last.retryAfterMs : undefined)
      }
      return { ...result, taskId }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Cancels an unfinished task by id, whoever asked for it. */
  cancel (taskId: string): boolean {
    for (const r of this.records.values()) {
      if (r.taskId === taskId && !FINAL_STATES.has(r.state)) { r.controller.abort(new TaskFailedError('canceled', 'Canceled')); return true }
    }
    return false
  }

  private publish (record: TaskRecord, event: TaskEvent): void {
    record.frames.push(event)
    if (event.t === 'chunk' || event.t === 'result') record.frameBytes += event.data.byteLength
    record.updatedAt = Date.now()
    for (const wake of record.waiters.splice(0)) wake()
    if (FINAL_STATES.has(record.state)) this.records.finished(record)
  }

  /** Audits a state change; the entry joins the task's pending appends (lazily for a progress state: the work does not wait for it). */
  private auditState (record: TaskRecord, state: TaskState, data: Record<string, string | number | boolean | null> = {}, opts?: AppendOptions): void {
    record.pendingAudit.push(this.c.audit.append({ type: 'task.state', actor: this.c.self(), peer: record.delegator, task: record.taskId, data: { state, ...data } }, opts))
  }

  private async flushAudit (record: TaskRecord): Promise<void> {
    this.c.audit.writeNow()
    await Promise.all(record.pendingAudit.splice(0))
  }

  private async finishWithError (record: TaskRecord, code: WireErrorCode, err?: unknown): Promise<void> {
    const state = code === 'canceled' ? 'canceled' : 'failed'
    record.errorCode = code
    const retryAfterMs = (err as { retryAfterMs?: number } | undefined)?.retryAfterMs
    const limit = limitOf(err)
    this.auditState(record, state, { code })
    await this.flushAudit(record).catch(e => { this.c.logger.error('audit of task %s failed: %s', record.taskId, (e as Error).message) })
    record.state = state
    this.publish(record, { v: 1, t: 'error', taskId: record.taskId, state, code, ...(retryAfterMs != null ? { retryAfterMs: Math.min(3_600_000, Math.round(retryAfterMs)) } : {}), ...(limit != null ? { limit } : {}) })
  }
}
