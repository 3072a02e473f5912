/**
 * The delegator side: picks an executor and sees the task through.
 *
 * Candidates come from verified capability cards that offer the kind (and
 * model) and whose policy summary admits it, filtered by this node's
 * outbound policy, ordered by load and round-trip time; this node itself is
 * a candidate when it serves the kind. `local-only` data never leaves the
 * node. A remote executor that dies or stalls is re-attached once, then
 * failed over to the next candidate; a busy one is skipped and, when all are
 * busy, retried after the longest suggested pause. Output already shown to
 * the caller is not shown twice: a failed-over attempt's text is matched
 * against what was delivered, and only new text flows on.
 */
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import { frame, StreamClosedError, type FramedStream } from '../streams.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { WIRE_ERROR_TEXT } from '../../protocol/codes.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import {
  decodeTaskEvent, encodeTaskFrame, encodeTaskRequest, MAX_TASK_FRAME_BYTES, TASK_PROTOCOL, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE,
  type DataClass, type TaskEvent, type TaskRequest, type TaskState
} from '../../protocol/task/messages.ts'
import { sealSession, type E2ESession } from '../../protocol/e2e/index.ts'
import { encodeSignedRecord, signRecord } from '../../identity/signed-record.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import type { PolicyEngine } from '../policy/engine.ts'
import { kindMatches } from '../policy/patterns.ts'
import type { AuditLog } from '../audit/log.ts'
import { digest } from '../audit/entry.ts'
import type { TaskExecutor, TaskSummary } from './executor.ts'
import type { TaskKindRegistry, TaskOutput, TaskPriority, TaskUsage } from './registry.ts'
import { BusyError, NoCandidateError, PolicyDeniedError, TaskFailedError } from './errors.ts'
import { MAX_BUSY_ROUNDS, MAX_FAILOVER_ATTEMPTS, RECENT_TASKS, REQUEST_TTL_MS, TASK_STALL_TIMEOUT_MS } from './constants.ts'

export interface RouterComponents {
  logger: Logger
  host: {
    peerId: { toString: () => string }
    dialProtocol: (peer: ReturnType<typeof peerIdFromString>, protocol: string, o: { signal: AbortSignal }) => Promise<Stream>
  }
  orgId: string
  key: Ed25519KeyPair
  /** Verified, unexpired cards of other members. */
  cards: () => CapabilityCard[]
  /** Groups of a connected, admitted member; undefined otherwise. */
  /**
   * Groups of a member: from its admission when connected, else from the
   * membership chain its verified card carries (a member we are not connected
   * to right now is still a candidate; dialling it goes through the gate).
   */
  memberGroups: (peerId: string) => string[] | undefined
  rttMs: (peerId: string) => number | undefined
  policy: PolicyEngine
  audit: AuditLog
  executor: TaskExecutor
  registry: TaskKindRegistry
  /** Models this node can serve itself. */
  localModels: () => string[]
}

export interface RouterInit {
  /** @default TASK_STALL_TIMEOUT_MS */
  stallTimeoutMs?: number
}

export type RouteEvent =
  | { type: 'routed', taskId: string, executor: string, attempt: number }
  | { type: 'text', text: string }
  | { type: 'failover', from: string, reason: string }
  /** Output shown so far is void (a failed-over attempt diverged from it). */
  | { type: 'reset' }

export interface RunSpec {
  kind: string
  model?: string
  /** The kind's input, e.g. `{ prompt, maxTokens }`; encrypted to the executor. */
  input: Record<string, unknown>
  /** @default 'internal' */
  dataClass?: DataClass
  /** Pin one executor. */
  peer?: string
  /** Run on this node. */
  local?: boolean
  collection?: string
  tool?: string
  priority?: TaskPriority
  signal?: AbortSignal
  onEvent?: (e: RouteEvent) => void
}

export interface RunResult {
  taskId: string
  executor: string
  output: unknown
  usage?: TaskUsage
  finishReason?: string
  attempts: number
}

interface Candidate { peerId: string, card?: CapabilityCard, local: boolean }

class TransportError extends Error {}

export class TaskRouter {
  private readonly c: RouterComponents
  private readonly stallTimeoutMs: number
  private readonly recent: TaskSummary[] = []
  /** Tasks being routed, so `cancel(taskId)` reaches a delegated one too. */
  private readonly inFlight = new Map<string, AbortController>()

  constructor (components: RouterComponents, init: RouterInit = {}) {
    this.c = components
    this.stallTimeoutMs = init.stallTimeoutMs ?? TASK_STALL_TIMEOUT_MS
  }

  private get self (): string { return this.c.host.peerId.toString() }

  /** Delegated tasks this node sent, newest first. */
  list (): TaskSummary[] {
    return [...this.recent].reverse()
  }

  /** Candidate executors for a kind and model, best first. */
  candidates (spec: Pick<RunSpec, 'kind' | 'model' | 'dataClass'>): Candidate[] {
    const out: Array<Candidate & { score: number }> = []
    const servesLocally = this.c.registry.get(spec.kind) != null && (spec.model == null || this.c.localModels().includes(spec.model))
    if (servesLocally) {
      const l = this.c.executor.load()
      out.push({ peerId: this.self, local: true, score: (l.running + l.queued) / Math.max(1, l.slots) })
    }
    if (spec.dataClass !== 'local-only') {
      for (const card of this.c.cards()) {
        if (card.peerId === this.self || this.c.memberGroups(card.peerId) == null) continue
        if (!card.taskKinds.includes(spec.kind)) continue
        if (!card.policy.kinds.some(p => kindMatches(p, spec.kind))) continue
        if (spec.model != null && !card.models.some(m => m.name === spec.model)) continue
        const load = (card.load.running + card.load.queued) / Math.max(1, card.load.slots)
        // round-trip time breaks ties: 100 ms weighs like one busy slot in ten
        out.push({ peerId: card.peerId, card, local: false, score: load + (this.c.rttMs(card.peerId) ?? 50) / 1000 })
      }
    }
    return out.sort((a, b) => a.score - b.score || Number(b.local) - Number(a.local))
  }

  /** Cancels a task this node is routing (run here or delegated); the executor is told to stop. */
  cancel (taskId: string): boolean {
    const controller = this.inFlight.get(taskId)
    if (controller == null) return false
    controller.abort(new TaskFailedError('canceled', 'Canceled'))
    return true
  }

  async run (spec: RunSpec): Promise<RunResult> {
    const taskId = randomBytes(16).toString('hex')
    const controller = new AbortController()
    this.inFlight.set(taskId, controller)
    try {
      return await this.route({ ...spec, signal: spec.signal != null ? AbortSignal.any([spec.signal, controller.signal]) : controller.signal }, taskId)
    } finally {
      this.inFlight.delete(taskId)
    }
  }

  private async route (spec: RunSpec, taskId: string): Promise<RunResult> {
    const dataClass = spec.dataClass ?? 'internal'
    let candidates: Candidate[]
    if (dataClass === 'local-only' || spec.local === true) {
      if (spec.peer != null && spec.peer !== this.self) throw new PolicyDeniedError('local-only data never leaves this node', 'local-only')
      candidates = [{ peerId: this.self, local: true }]
    } else if (spec.peer != null) {
      if (spec.peer === this.self) candidates = [{ peerId: this.self, local: true }]
      else {
        const card = this.c.cards().find(c => c.peerId === spec.peer)
        if (card == null || this.c.memberGroups(spec.peer) == null) throw new NoCandidateError(`Peer ${spec.peer} is not a member with a verified card`)
        candidates = [{ peerId: spec.peer, card, local: false }]
      }
    } else {
      candidates = this.candidates({ kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), dataClass })
      if (candidates.length === 0) throw new NoCandidateError(`No member offers "${spec.kind}"${spec.model != null ? ` with model "${spec.model}"` : ''}`)
    }
    const summary: TaskSummary = { taskId, kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), role: 'delegator', peer: '', executor: '', state: 'submitted', createdAt: Date.now(), updatedAt: Date.now() }
    this.remember(summary)
    const delivery = new Delivery(spec.onEvent)
    const pinned = spec.peer != null || spec.local === true || dataClass === 'local-only'
    let lastError: Error | undefined
    let attempts = 0
    for (let round = 0; round < MAX_BUSY_ROUNDS; round++) {
      let busyFor = 0
      for (const cand of candidates.slice(0, MAX_FAILOVER_ATTEMPTS)) {
        spec.signal?.throwIfAborted()
        attempts++
        summary.executor = cand.peerId
        summary.peer = cand.peerId
        summary.state = 'working'
        summary.updatedAt = Date.now()
        spec.onEvent?.({ type: 'routed', taskId, executor: cand.peerId, attempt: attempts })
        delivery.newAttempt()
        try {
          const out = cand.local
            ? await this.c.executor.runLocal({ kind: spec.kind, input: spec.input, dataClass, taskId, priority: spec.priority ?? 'interactive', ...(spec.signal != null ? { signal: spec.signal } : {}), onText: t => { delivery.push(t) } })
            : await this.runRemote(cand, spec, dataClass, taskId, delivery)
          summary.state = 'completed'
          summary.updatedAt = Date.now()
          return { taskId, executor: cand.peerId, output: out.output, ...(out.usage != null ? { usage: out.usage } : {}), ...(out.finishReason != null ? { finishReason: out.finishReason } : {}), attempts }
        } catch (err) {
          lastError = err as Error
          const code = (err as TaskFailedError).code
          if (spec.signal?.aborted === true || code === 'canceled') { summary.state = 'canceled'; throw err }
          if (err instanceof PolicyDeniedError || code === 'denied') { if (pinned) { summary.state = 'rejected'; throw err } continue }
          if (code === 'busy') { busyFor = Math.max(busyFor, (err as TaskFailedError).retryAfterMs ?? 1000); continue }
          if (err instanceof TransportError || code === 'unavailable' || code === 'timeout' || code === 'internal') {
            spec.onEvent?.({ type: 'failover', from: cand.peerId, reason: (err as Error).message })
            continue
          }
          // the input itself is at fault (malformed, unknown model): another executor would refuse it too
          summary.state = 'failed'
          throw err
        }
      }
      if (busyFor === 0) break
      spec.signal?.throwIfAborted()
      await sleep(busyFor, spec.signal)
    }
    summary.state = 'failed'
    summary.updatedAt = Date.now()
    if ((lastError as TaskFailedError | undefined)?.code === 'busy') throw new BusyError((lastError as TaskFailedError).retryAfterMs ?? 1000)
    if (lastError instanceof PolicyDeniedError || (lastError as TaskFailedError | undefined)?.code === 'denied') throw new PolicyDeniedError(`Every candidate's policy denied "${spec.kind}"`)
    throw lastError ?? new NoCandidateError()
  }

  private async runRemote (cand: Candidate, spec: RunSpec, dataClass: DataClass, taskId: string, delivery: Delivery): Promise<TaskOutput> {
    const card = cand.card as CapabilityCard
    const peer = cand.peerId
    const groups = this.c.memberGroups(peer) ?? []
    const decision = this.c.policy.decide({
      peerId: peer, groups, kind: spec.kind, dataClass, direction: 'outbound',
      ...(spec.model != null ? { model: spec.model } : {}),
      ...(spec.tool != null ? { tool: spec.tool } : {}),
      ...(spec.collection != null ? { collection: spec.collection } : {})
    })
    const audited = this.c.audit.append({ type: 'policy.decision', actor: this.self, peer, task: taskId, data: { allow: decision.allow, rule: decision.rule, direction: 'outbound', kind: spec.kind } })
    if (!decision.allow) { await audited; throw new PolicyDeniedError(decision.reason, decision.rule) }

    const session = sealSession(card.encryptionKey, { org: this.c.orgId, taskId, delegator: this.self, executor: peer })
    const now = Date.now()
    const req: TaskRequest = {
      v: 1, org: this.c.orgId, audience: peer, from: this.self,
      msgId: randomBytes(16).toString('hex'), taskId, issuedAt: now, expiresAt: now + REQUEST_TTL_MS,
      kind: spec.kind, dataClass, enc: session.enc, input: session.seal(encodeCbor(spec.input), 0),
      ...(spec.model != null ? { model: spec.model } : {}),
      ...(spec.collection != null ? { collection: spec.collection } : {}),
      ...(spec.tool != null ? { tool: spec.tool } : {})
    }
    const request = encodeSignedRecord(signRecord(this.c.key, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, encodeTaskRequest(req)))
    // the decision and the sent entry go to disk in one write, before anything leaves
    await Promise.all([audited, this.c.audit.append({ type: 'task.sent', actor: this.self, peer, task: taskId, data: { kind: spec.kind, model: spec.model ?? null, dataClass, msgId: req.msgId, input: digest(req.input) } })])

    const progress = { lastSeq: 0 }
    try {
      const result = await this.exchange(peer, { v: 1, t: 'submit', request }, session, progress, delivery, spec.signal)
      await this.c.audit.append({ type: 'task.result', actor: this.self, peer, task: taskId, data: { output: digest(encodeCbor(result)), state: 'completed' } })
      return result
    } catch (err) {
      if (!(err instanceof TransportError) || spec.signal?.aborted === true) throw await this.noteFailure(peer, taskId, err, spec.signal)
      // the stream broke: the executor may still be running the task; re-attach once
      this.c.logger('stream to %s broke (%s); re-attaching to %s after seq %d', peer, err.message, taskId, progress.lastSeq)
      try {
        const result = await this.exchange(peer, { v: 1, t: 'attach', taskId, afterSeq: progress.lastSeq }, session, progress, delivery, spec.signal)
        await this.c.audit.append({ type: 'task.result', actor: this.self, peer, task: taskId, data: { output: digest(encodeCbor(result)), state: 'completed', reattached: true } })
        return result
      } catch (err2) {
        void this.cancelRemote(peer, taskId)
        throw await this.noteFailure(peer, taskId, err2, spec.signal)
      }
    }
  }

  private async noteFailure (peer: string, taskId: string, err: unknown, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted === true) void this.cancelRemote(peer, taskId)
    const code = (err as TaskFailedError).code ?? 'unavailable'
    await this.c.audit.append({ type: 'task.state', actor: this.self, peer, task: taskId, data: { state: code === 'canceled' ? 'canceled' : 'failed', code } }).catch(() => {})
    return err
  }

  /** One stream: sends the call, then reads ordered events until a result or an error. */
  private async exchange (peer: string, call: Parameters<typeof encodeTaskFrame>[0], session: E2ESession, progress: { lastSeq: number }, delivery: Delivery, signal?: AbortSignal): Promise<TaskOutput> {
    let framed: FramedStream
    try {
      const stream = await this.c.host.dialProtocol(peerIdFromString(peer), TASK_PROTOCOL, { signal: anySignal(AbortSignal.timeout(10_000), signal) })
      framed = frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
      await framed.write(encodeTaskFrame(call))
    } catch (err) {
      if (signal?.aborted === true) throw err
      throw new TransportError(`could not reach ${peer}: ${(err as Error).message}`)
    }
    const decoder = new TextDecoder()
    try {
      while (true) {
        let event: TaskEvent
        try {
          event = await framed.read(decodeTaskEvent, { signal: anySignal(AbortSignal.timeout(this.stallTimeoutMs), signal) })
        } catch (err) {
          if (signal?.aborted === true) throw new TaskFailedError('canceled', 'Canceled')
          if ((err as Error).name === 'MalformedMessageError' || (err as Error).name === 'MessageTooLargeError') throw new TaskFailedError('internal', 'The executor sent a malformed frame')
          const stalled = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError'
          throw new TransportError(stalled ? `no output from ${peer} for ${this.stallTimeoutMs} ms` : err instanceof StreamClosedError ? `${peer} closed the stream` : (err as Error).message)
        }
        if (event.t === 'state') continue
        if (event.t === 'error') throw new TaskFailedError(event.code, `Executor ${event.state === 'rejected' ? 'rejected' : 'failed'} the task: ${WIRE_ERROR_TEXT[event.code]}`, event.retryAfterMs)
        if (event.seq <= progress.lastSeq) continue // already seen before a re-attach
        if (event.seq !== progress.lastSeq + 1) throw new TaskFailedError('internal', 'Executor skipped output (sequence gap)')
        const plain = session.open(event.data, event.seq)
        progress.lastSeq = event.seq
        if (event.t === 'chunk') { delivery.push(decoder.decode(plain, { stream: true })); continue }
        const result = decodeCbor(plain, { maxBytes: MAX_TASK_FRAME_BYTES }) as TaskOutput
        await framed.close()
        return result
      }
    } catch (err) {
      framed.reset(err as Error)
      throw err
    }
  }

  private async cancelRemote (peer: string, taskId: string): Promise<void> {
    try {
      const stream = await this.c.host.dialProtocol(peerIdFromString(peer), TASK_PROTOCOL, { signal: AbortSignal.timeout(5000) })
      const framed = frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
      await framed.write(encodeTaskFrame({ v: 1, t: 'cancel', taskId }))
      await framed.read(decodeTaskEvent, { signal: AbortSignal.timeout(5000) }).catch(() => {})
      await framed.close()
    } catch {}
  }

  private remember (s: TaskSummary): void {
    this.recent.push(s)
    if (this.recent.length > RECENT_TASKS) this.recent.shift()
  }
}

/** Passes text on to the caller exactly once across failed-over attempts. */
class Delivery {
  private delivered = ''
  private attempt = ''
  private readonly onEvent?: (e: RouteEvent) => void
  constructor (onEvent?: (e: RouteEvent) => void) { this.onEvent = onEvent }
  newAttempt (): void { this.attempt = '' }
  push (text: string): void {
    if (text === '') return
    this.attempt += text
    if (this.attempt.length <= this.delivered.length) {
      if (this.delivered.startsWith(this.attempt)) return
      this.restart()
      return
    }
    if (!this.attempt.startsWith(this.delivered)) { this.restart(); return }
    const fresh = this.attempt.slice(this.delivered.length)
    this.delivered = this.attempt
    this.onEvent?.({ type: 'text', text: fresh })
  }

  private restart (): void {
    this.onEvent?.({ type: 'reset' })
    this.delivered = this.attempt
    this.onEvent?.({ type: 'text', text: this.attempt })
  }
}

function anySignal (a: AbortSignal, b?: AbortSignal): AbortSignal {
  return b == null ? a : AbortSignal.any([a, b])
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason) }, { once: true })
  })
}

export type { TaskState }
