/**
 * The executor side of the task protocol: admits a delegated task only after
 * the checks that cost a forger the least come first (signature over the
 * exact request bytes, signer = connection peer, org, audience, expiry,
 * replay), then policy and rate limits, then decrypts the input and runs it
 * through the kind registry. Output streams back encrypted, chunk by chunk
 * with sequence numbers; every frame is kept until the task is retired so a
 * delegator can re-attach after a broken stream. Every step is audited.
 *
 * Local runs (`runLocal`) use the same handlers and audit, without the wire.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../logger.ts'
import { frame, Outbox, type FramedStream } from '../streams.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import type { WireErrorCode } from '../../protocol/codes.ts'
import {
  decodeTaskCall, decodeTaskRequest, encodeTaskFrame, FINAL_STATES, MAX_TASK_FRAME_BYTES, MAX_TASK_INPUT_BYTES,
  TASK_PROTOCOL, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE,
  type Attach, type Cancel, type DataClass, type Submit, type TaskEvent, type TaskRequest, type TaskState
} from '../../protocol/task/messages.ts'
import { openSession, type E2ESession, type EncryptionKeyPair } from '../../protocol/e2e/index.ts'
import { openSignedRecord } from '../../identity/signed-record.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import type { PolicyEngine } from '../policy/engine.ts'
import type { AuditLog } from '../audit/log.ts'
import { digest } from '../audit/entry.ts'
import type { TaskKindRegistry, TaskOutput, TaskPriority } from './registry.ts'
import { TaskFailedError, UnknownTaskError, wireCodeOf } from './errors.ts'
import { MAX_REQUEST_LIFETIME_MS, REQUEST_CLOCK_SKEW_MS, TASK_RETENTION_MS, EXECUTOR_MAX_RUNNING, EXECUTOR_MAX_QUEUED, BUSY_RETRY_AFTER_MS } from './constants.ts'

export interface ExecutorComponents {
  logger: Logger
  host: { peerId: { toString: () => string }, handle: (p: string, h: (s: Stream, c: Connection) => Promise<void>, o?: any) => Promise<void>, unhandle: (p: string) => Promise<void> }
  orgId: string
  /** Groups of an admitted member, or undefined for anyone else. */
  memberGroups: (peerId: string) => string[] | undefined
  encryptionKeys: EncryptionKeyPair
  registry: TaskKindRegistry
  policy: PolicyEngine
  audit: AuditLog
  /** The data class a request really carries (e.g. a local-only collection makes it local-only). */
  effectiveClass?: (req: TaskRequest) => DataClass
  /** Message ids already seen, persisted so a replay is refused across restarts. */
  seen: { get: (msgId: string) => Promise<Uint8Array | undefined>, put: (msgId: string, v: Uint8Array) => Promise<void> }
}

export interface ExecutorInit {
  /** Tasks running at once. @default EXECUTOR_MAX_RUNNING */
  maxRunning?: number
  /** Tasks waiting beyond those; more are rejected `busy`. @default EXECUTOR_MAX_QUEUED */
  maxQueued?: number
  /** How long finished tasks stay re-attachable. @default TASK_RETENTION_MS */
  retentionMs?: number
}

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
  /** Every event frame sent, in order, for re-attach. */
  frames: TaskEvent[]
  lastSeq: number
  controller: AbortController
  listeners: Set<(e: TaskEvent) => void>
  /** Audit appends not yet known to be written. */
  pendingAudit: Array<Promise<unknown>>
  errorCode?: WireErrorCode
  /** The local error's own message: shown to a local caller, never sent to a peer. */
  errorMessage?: string
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
  error?: string
}

export class TaskExecutor {
  private readonly c: ExecutorComponents
  private readonly tasks = new Map<string, TaskRecord>()
  private readonly seenMemory = new Map<string, number>()
  private readonly maxRunning: number
  private readonly maxQueued: number
  private readonly retentionMs: number
  private running = 0
  private readonly waiting: Array<{ priority: TaskPriority, start: () => void }> = []
  private sweeper?: ReturnType<typeof setInterval>

  constructor (components: ExecutorComponents, init: ExecutorInit = {}) {
    this.c = components
    this.maxRunning = init.maxRunning ?? EXECUTOR_MAX_RUNNING
    this.maxQueued = init.maxQueued ?? EXECUTOR_MAX_QUEUED
    this.retentionMs = init.retentionMs ?? TASK_RETENTION_MS
  }

  async start (): Promise<void> {
    await this.c.host.handle(TASK_PROTOCOL, async (stream, connection) => { await this.onStream(stream, connection) }, { maxInboundStreams: 1024 })
    this.sweeper = setInterval(() => { this.sweep() }, Math.min(this.retentionMs, 60_000))
  }

  /** Stops taking work; running tasks are canceled so their delegators fail over. */
  async stop (): Promise<void> {
    if (this.sweeper != null) clearInterval(this.sweeper)
    await this.c.host.unhandle(TASK_PROTOCOL).catch(() => {})
    for (const t of this.tasks.values()) if (!FINAL_STATES.has(t.state)) t.controller.abort(new TaskFailedError('unavailable', 'Node is shutting down'))
  }

  load (): { running: number, queued: number, slots: number } {
    return { running: this.running, queued: this.waiting.length, slots: this.maxRunning }
  }

  list (): TaskSummary[] {
    return [...this.tasks.values()].map(t => ({
      taskId: t.taskId,
      kind: t.kind,
      ...(t.model != null ? { model: t.model } : {}),
      role: t.delegator === t.executor ? 'local' as const : 'executor' as const,
      peer: t.delegator,
      executor: t.executor,
      state: t.state,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      ...(t.errorCode != null ? { error: t.errorCode } : {})
    }))
  }

  private get self (): string { return this.c.host.peerId.toString() }

  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const framed = frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
    let call
    try {
      call = await framed.read(decodeTaskCall, { signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      this.c.logger('bad task frame from %s: %s', peer, (err as Error).message)
      framed.reset(err as Error)
      return
    }
    try {
      if (call.t === 'submit') await this.onSubmit(call, peer, framed)
      else if (call.t === 'attach') await this.onAttach(call, peer, framed)
      else await this.onCancel(call, peer, framed)
    } catch (err) {
      this.c.logger('task stream with %s ended: %s', peer, (err as Error).message)
      framed.reset(err as Error)
    }
  }

  private async refuse (framed: FramedStream, code: WireErrorCode, taskId?: string, retryAfterMs?: number): Promise<void> {
    await framed.write(encodeTaskFrame({ v: 1, t: 'error', ...(taskId != null ? { taskId } : {}), state: 'rejected', code, ...(retryAfterMs != null ? { retryAfterMs } : {}) }))
    await framed.close()
  }

  /** Verifies a submit up to (not including) decryption; returns the request or the code to refuse with. */
  private async checkRequest (submit: Submit, peer: string, pending: Array<Promise<unknown>>): Promise<TaskRequest | WireErrorCode> {
    let opened
    try {
      opened = openSignedRecord(submit.request, { domain: TASK_REQUEST_DOMAIN, payloadType: TASK_REQUEST_TYPE, maxBytes: MAX_TASK_FRAME_BYTES })
    } catch {
      return 'malformed'
    }
    let req: TaskRequest
    try { req = decodeTaskRequest(opened.payload) } catch { return 'malformed' }
    if (peerIdFromPublicKey(opened.publicKey) !== peer || req.from !== peer) return 'not-a-member'
    if (req.org !== this.c.orgId) return 'wrong-org'
    if (req.audience !== this.self) return 'malformed'
    const now = Date.now()
    if (req.expiresAt < now || req.issuedAt > now + REQUEST_CLOCK_SKEW_MS || req.expiresAt - req.issuedAt > MAX_REQUEST_LIFETIME_MS) return 'expired'
    if (await this.seenBefore(req.msgId, req.expiresAt, pending)) return 'replay'
    return req
  }

  /**
   * Whether a message id was seen before. The in-memory set stops concurrent
   * replays at once; the id reaches disk with the task's other writes, before
   * any final frame leaves (see `flushAudit`).
   */
  private async seenBefore (msgId: string, expiresAt: number, pending: Array<Promise<unknown>>): Promise<boolean> {
    if (this.seenMemory.has(msgId)) return true
    this.seenMemory.set(msgId, expiresAt)
    if ((await this.c.seen.get(msgId)) != null) return true
    pending.push(this.c.seen.put(msgId, encodeCbor(expiresAt)))
    return false
  }

  private async onSubmit (submit: Submit, peer: string, framed: FramedStream): Promise<void> {
    // writes on the accept path are not awaited one by one: the audit log groups
    // concurrent appends into one write, and every final frame waits for all of them
    const pending: Array<Promise<unknown>> = []
    const checked = await this.checkRequest(submit, peer, pending)
    if (typeof checked === 'string') {
      await this.c.audit.append({ type: 'task.rejected', actor: this.self, peer, data: { code: checked } })
      await this.refuse(framed, checked)
      return
    }
    const req = checked
    const groups = this.c.memberGroups(peer)
    if (groups == null) { await this.refuse(framed, 'not-a-member', req.taskId); return }
    pending.push(this.c.audit.append({ type: 'task.received', actor: this.self, peer, task: req.taskId, data: { kind: req.kind, model: req.model ?? null, dataClass: req.dataClass, msgId: req.msgId, input: digest(req.input) } }))

    const decision = this.c.policy.decide({
      peerId: peer,
      groups,
      kind: req.kind,
      ...(req.model != null ? { model: req.model } : {}),
      ...(req.tool != null ? { tool: req.tool } : {}),
      ...(req.collection != null ? { collection: req.collection } : {}),
      dataClass: this.c.effectiveClass?.(req) ?? req.dataClass,
      direction: 'inbound'
    })
    pending.push(this.c.audit.append({ type: 'policy.decision', actor: this.self, peer, task: req.taskId, data: { allow: decision.allow, rule: decision.rule, direction: 'inbound', kind: req.kind } }))
    if (!decision.allow) { await Promise.all(pending); await this.refuse(framed, 'denied', req.taskId); return }
    const rate = this.c.policy.checkRate(peer)
    if (!rate.allow) { await Promise.all(pending); await this.refuse(framed, 'busy', req.taskId, rate.retryAfterMs); return }
    const handler = this.c.registry.get(req.kind)
    if (handler == null) { await Promise.all(pending); await this.refuse(framed, 'not-found', req.taskId); return }
    if (this.running >= this.maxRunning && this.waiting.length >= this.maxQueued) {
      await Promise.all(pending)
      await this.c.audit.append({ type: 'task.state', actor: this.self, peer, task: req.taskId, data: { state: 'rejected', code: 'busy' } })
      await this.refuse(framed, 'busy', req.taskId, BUSY_RETRY_AFTER_MS)
      return
    }
    let session: E2ESession
    let input: unknown
    try {
      session = openSession(this.c.encryptionKeys, req.enc, { org: req.org, taskId: req.taskId, delegator: peer, executor: this.self })
      input = handler.parseInput(decodeCbor(session.open(req.input, 0), { maxBytes: MAX_TASK_INPUT_BYTES }))
    } catch (err) {
      await Promise.all(pending)
      await this.c.audit.append({ type: 'task.rejected', actor: this.self, peer, task: req.taskId, data: { code: 'malformed', reason: (err as Error).name } })
      await this.refuse(framed, 'malformed', req.taskId)
      return
    }
    const record = this.newRecord(req.taskId, req.kind, handler.modelOf?.(input) ?? req.model, req.dataClass, peer)
    record.pendingAudit.push(...pending)
    const outbox = new Outbox(framed)
    const live = (e: TaskEvent): void => { outbox.push(encodeTaskFrame(e)) }
    record.listeners.add(live)
    await this.execute(record, handler, input, 'delegated', (bytes, seq) => session.seal(bytes, seq))
    record.listeners.delete(live)
    await outbox.drain()
    await framed.close()
  }

  private newRecord (taskId: string, kind: string, model: string | undefined, dataClass: DataClass, delegator: string): TaskRecord {
    const now = Date.now()
    const record: TaskRecord = {
      taskId, kind, ...(model != null ? { model } : {}), dataClass, delegator, executor: this.self,
      state: 'submitted', createdAt: now, updatedAt: now, frames: [], lastSeq: 0, controller: new AbortController(), listeners: new Set(), pendingAudit: []
    }
    this.tasks.set(this.key(delegator, taskId), record)
    return record
  }

  private key (delegator: string, taskId: string): string { return `${delegator}/${taskId}` }

  private publish (record: TaskRecord, event: TaskEvent): void {
    record.frames.push(event)
    record.updatedAt = Date.now()
    for (const l of [...record.listeners]) l(event)
  }

  /** Audits a state change; the entry joins the task's pending appends. */
  private auditState (record: TaskRecord, state: TaskState, data: Record<string, string | number | boolean | null> = {}): void {
    record.pendingAudit.push(this.c.audit.append({ type: 'task.state', actor: this.self, peer: record.delegator, task: record.taskId, data: { state, ...data } }))
  }

  /** Waits until every audit entry of the task so far is written; a final frame leaves only after this. */
  private async flushAudit (record: TaskRecord): Promise<void> {
    await Promise.all(record.pendingAudit.splice(0))
  }

  /**
   * Runs a task through its handler under the executor's concurrency limit,
   * streaming sealed chunks and a sealed result; resolves when it is final.
   */
  private async execute (record: TaskRecord, handler: NonNullable<ReturnType<TaskKindRegistry['get']>>, input: unknown, priority: TaskPriority, seal: (b: Uint8Array, seq: number) => Uint8Array): Promise<TaskOutput | undefined> {
    this.publish(record, { v: 1, t: 'state', taskId: record.taskId, state: 'submitted' })
    this.auditState(record, 'submitted')
    await this.acquire(priority, record.controller.signal).catch(() => {})
    if (record.controller.signal.aborted) {
      await this.finishWithError(record, wireCodeOf(record.controller.signal.reason))
      return undefined
    }
    try {
      this.publish(record, { v: 1, t: 'state', taskId: record.taskId, state: 'working' })
      record.state = 'working'
      this.auditState(record, 'working')
      const encoder = new TextEncoder()
      const result = await handler.run(input, {
        taskId: record.taskId,
        from: record.delegator,
        signal: record.controller.signal,
        priority,
        emit: (text) => {
          const seq = ++record.lastSeq
          this.publish(record, { v: 1, t: 'chunk', taskId: record.taskId, seq, data: seal(encoder.encode(text), seq) })
        }
      })
      record.controller.signal.throwIfAborted()
      const bytes = encodeCbor(result)
      const seq = ++record.lastSeq
      record.pendingAudit.push(this.c.audit.append({ type: 'task.result', actor: this.self, peer: record.delegator, task: record.taskId, data: { output: digest(bytes), promptTokens: result.usage?.promptTokens ?? null, completionTokens: result.usage?.completionTokens ?? null } }))
      this.auditState(record, 'completed')
      await this.flushAudit(record)
      // the state shows as final together with the final frame, never before
      record.state = 'completed'
      this.publish(record, { v: 1, t: 'result', taskId: record.taskId, seq, data: seal(bytes, seq) })
      return result
    } catch (err) {
      const code = record.controller.signal.aborted ? wireCodeOf(record.controller.signal.reason) : wireCodeOf(err)
      if (code === 'internal') this.c.logger.error('task %s failed: %s', record.taskId, (err as Error).stack ?? (err as Error).message)
      if (code !== 'internal') record.errorMessage = (err as Error).message
      await this.finishWithError(record, code, err)
      return undefined
    } finally {
      this.release()
    }
  }

  private async finishWithError (record: TaskRecord, code: WireErrorCode, err?: unknown): Promise<void> {
    const state = code === 'canceled' ? 'canceled' : 'failed'
    record.errorCode = code
    const retryAfterMs = (err as { retryAfterMs?: number } | undefined)?.retryAfterMs
    this.auditState(record, state, { code })
    await this.flushAudit(record).catch(e => { this.c.logger.error('audit of task %s failed: %s', record.taskId, (e as Error).message) })
    record.state = state
    this.publish(record, { v: 1, t: 'error', taskId: record.taskId, state, code, ...(retryAfterMs != null ? { retryAfterMs: Math.min(3_600_000, Math.round(retryAfterMs)) } : {}) })
  }

  private async acquire (priority: TaskPriority, signal: AbortSignal): Promise<void> {
    if (this.running < this.maxRunning) { this.running++; return }
    await new Promise<void>((resolve, reject) => {
      const entry = { priority, start: () => { signal.removeEventListener('abort', onAbort); this.running++; resolve() } }
      const onAbort = (): void => { const i = this.waiting.indexOf(entry); if (i >= 0) this.waiting.splice(i, 1); reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      const rank = (p: TaskPriority): number => p === 'interactive' ? 0 : p === 'delegated' ? 1 : 2
      const at = this.waiting.findIndex(w => rank(w.priority) > rank(priority))
      if (at < 0) this.waiting.push(entry); else this.waiting.splice(at, 0, entry)
    })
  }

  private release (): void {
    this.running--
    this.waiting.shift()?.start()
  }

  private async onAttach (call: Attach, peer: string, framed: FramedStream): Promise<void> {
    const record = this.tasks.get(this.key(peer, call.taskId))
    if (record == null) { await this.refuse(framed, 'not-found', call.taskId); return }
    const send = async (e: TaskEvent): Promise<void> => { await framed.write(encodeTaskFrame(e)) }
    // replay what the delegator missed, then follow live until the task is final
    for (const e of record.frames) if (!('seq' in e) || e.seq > call.afterSeq) await send(e)
    if (FINAL_STATES.has(record.state)) { await framed.close(); return }
    await new Promise<void>(resolve => {
      const live = (e: TaskEvent): void => {
        void send(e).catch(() => { record.listeners.delete(live); resolve() })
        if (e.t === 'result' || e.t === 'error') { record.listeners.delete(live); resolve() }
      }
      record.listeners.add(live)
    })
    await framed.close()
  }

  private async onCancel (call: Cancel, peer: string, framed: FramedStream): Promise<void> {
    const record = this.tasks.get(this.key(peer, call.taskId))
    if (record == null) { await this.refuse(framed, 'not-found', call.taskId); return }
    if (!FINAL_STATES.has(record.state)) record.controller.abort(new TaskFailedError('canceled', 'Canceled by the delegator'))
    await framed.write(encodeTaskFrame({ v: 1, t: 'state', taskId: call.taskId, state: 'canceled' }))
    await framed.close()
  }

  /** Runs a task on this node for a local caller: same handlers, same audit, no encryption. */
  async runLocal (opts: { kind: string, input: unknown, dataClass: DataClass, priority?: TaskPriority, signal?: AbortSignal, taskId?: string, onText?: (t: string) => void }): Promise<TaskOutput & { taskId: string }> {
    const handler = this.c.registry.get(opts.kind)
    if (handler == null) throw new UnknownTaskError(`This node does not serve the task kind "${opts.kind}"`)
    const input = handler.parseInput(opts.input)
    const taskId = opts.taskId ?? randomBytes(16).toString('hex')
    const record = this.newRecord(taskId, opts.kind, handler.modelOf?.(input), opts.dataClass, this.self)
    opts.signal?.addEventListener('abort', () => { record.controller.abort(new TaskFailedError('canceled', 'Canceled')) }, { once: true })
    const decoder = new TextDecoder()
    const listener = (e: TaskEvent): void => { if (e.t === 'chunk') opts.onText?.(decoder.decode(e.data, { stream: true })) }
    record.listeners.add(listener)
    await this.c.audit.append({ type: 'task.received', actor: this.self, peer: this.self, task: taskId, data: { kind: opts.kind, local: true, dataClass: opts.dataClass } })
    const result = await this.execute(record, handler, input, opts.priority ?? 'interactive', (b) => b)
    record.listeners.delete(listener)
    if (result == null) {
      const last = record.frames[record.frames.length - 1]
      const code = last?.t === 'error' ? last.code : 'internal'
      throw new TaskFailedError(code, record.errorMessage, last?.t === 'error' ? last.retryAfterMs : undefined)
    }
    return { ...result, taskId }
  }

  /** Cancels a local or executed task by id. */
  cancel (taskId: string): boolean {
    for (const r of this.tasks.values()) {
      if (r.taskId === taskId && !FINAL_STATES.has(r.state)) { r.controller.abort(new TaskFailedError('canceled', 'Canceled')); return true }
    }
    return false
  }

  private sweep (): void {
    const cutoff = Date.now() - this.retentionMs
    for (const [k, r] of this.tasks) if (FINAL_STATES.has(r.state) && r.updatedAt < cutoff) this.tasks.delete(k)
    const now = Date.now()
    for (const [id, exp] of this.seenMemory) if (exp < now - REQUEST_CLOCK_SKEW_MS) this.seenMemory.delete(id)
  }
}

