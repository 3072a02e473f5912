/**
 * The executor's face on the task protocol: one handler per message type
 * (`submit`, `attach`, `cancel`). A submit passes admission, the member
 * check, policy, the rate limit and the capacity bound before its input is
 * decrypted; output is sealed here, per stream, from the executor's clear
 * frames. Stream limits are sized to the executor's admission bound, so
 * libp2p never refuses a stream the executor would have taken.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from '../../logger.ts'
import type { TaskLoad } from '../../../protocol/load/index.ts'
import { frame, Outbox, StreamClosedError, type FramedStream } from '../../streams.ts'
import { decodeCbor } from '../../../protocol/cbor.ts'
import type { WireErrorCode } from '../../../protocol/codes.ts'
import {
  decodeTaskCall, encodeTaskFrame, FINAL_STATES, MAX_TASK_FRAME_BYTES, MAX_TASK_INPUT_BYTES, TASK_PROTOCOL,
  type Attach, type Cancel, type Submit, type TaskCall, type TaskEvent
} from '../../../protocol/task/messages.ts'
import { openSession, type EncryptionKeyPair } from '../../../protocol/e2e/index.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import type { AuditLog } from '../../audit/log.ts'
import { LAZY } from '../../audit/constants.ts'
import { digest } from '../../audit/entry.ts'
import type { TaskKindRegistry } from '../registry.ts'
import { effectiveClass, type ClassOf, type ToolClassOf } from '../data-class.ts'
import { TaskFailedError } from '../errors.ts'
import { MalformedMessageError } from '../../../protocol/errors.ts'
import { BUSY_RETRY_AFTER_MS, LIBP2P_STREAM_HEADROOM, TASK_CONTROL_STREAMS, TASK_FIRST_FRAME_TIMEOUT_MS, TASK_STATE_FRAME_HOLD_MS, TASK_STREAM_SERVER_IDLE_MS, TASK_STREAMS_PER_CONNECTION } from '../constants.ts'
import type { TaskEngine } from '../executor/executor.ts'
import type { TaskRecord } from '../executor/records.ts'
import type { Admission } from './admission.ts'
import type { ChainGate, CheckedChain } from '../chain/index.ts'
import { ChainRefusedError } from '../../../protocol/chain/index.ts'

export interface TaskServerComponents {
  logger: Logger
  host: {
    handle: (p: string, h: (s: Stream, c: Connection) => Promise<void>, o?: { maxInboundStreams?: number, maxOutboundStreams?: number }) => Promise<void>
    unhandle: (p: string) => Promise<void>
  }
  self: () => string
  /** Groups of an admitted member, or undefined for anyone else. */
  memberGroups: (peerId: string) => string[] | undefined
  encryptionKeys: EncryptionKeyPair
  registry: TaskKindRegistry
  policy: PolicyEngine
  audit: AuditLog
  classOf: ClassOf
  /** @default no tools */
  toolClassOf?: ToolClassOf
  admission: Admission
  engine: TaskEngine
  /** Delegation chains: verified before anything runs, policy for every principal on them. */
  chains: ChainGate
  /** This node's load for a delegator that reads it on results and failures. @default none */
  loadFor?: (peerId: string) => TaskLoad | undefined
}

export interface TaskServerInit {
  /** How long a stream waits for its next call after one ends. @default TASK_STREAM_SERVER_IDLE_MS */
  nextCallTimeoutMs?: number
}

type Handlers = { [K in TaskCall['t']]: (call: Extract<TaskCall, { t: K }>, peer: string, framed: FramedStream) => Promise<void> }

export class TaskServer {
  private readonly c: TaskServerComponents
  private readonly handlers: Handlers
  private readonly nextCallTimeoutMs: number
  private started = false

  constructor (components: TaskServerComponents, init: TaskServerInit = {}) {
    this.c = components
    this.nextCallTimeoutMs = init.nextCallTimeoutMs ?? TASK_STREAM_SERVER_IDLE_MS
    this.handlers = {
      submit: async (call, peer, framed) => { await this.onSubmit(call, peer, framed) },
      attach: async (call, peer, framed) => { await this.onAttach(call, peer, framed) },
      cancel: async (call, peer, framed) => { await this.onCancel(call, peer, framed) }
    }
  }

  /** Streams one connection may carry: every task the executor may admit, plus attach and cancel streams. */
  get streamLimit (): number {
    return Math.max(TASK_STREAMS_PER_CONNECTION, this.c.engine.bound + TASK_CONTROL_STREAMS)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    // libp2p's own count is a backstop: it misses streams still negotiating, so it gets headroom
    const limit = this.streamLimit * LIBP2P_STREAM_HEADROOM
    await this.c.host.handle(TASK_PROTOCOL, async (stream, connection) => { await this.onStream(stream, connection) }, { maxInboundStreams: limit, maxOutboundStreams: limit })
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.c.host.unhandle(TASK_PROTOCOL).catch(() => {})
  }

  /**
   * Serves calls on one stream, one after another: a delegator keeps the
   * stream of a finished exchange for its next call. The stream closes when
   * the delegator closes its side or sends nothing for `nextCallTimeoutMs`.
   */
  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const framed = frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
    for (let first = true; this.started; first = false) {
      let call: TaskCall | null
      try {
        call = await framed.readOrEnd(decodeTaskCall, { signal: AbortSignal.timeout(first ? TASK_FIRST_FRAME_TIMEOUT_MS : this.nextCallTimeoutMs) })
      } catch (err) {
        const idle = !first && ['TimeoutError', 'AbortError'].includes((err as Error).name)
        if (idle) { await framed.close(); return }
        this.c.logger('bad task frame from %s: %s', peer, (err as Error).message)
        framed.reset(err as Error)
        return
      }
      if (call == null) break
      try {
        await (this.handlers[call.t] as (c: TaskCall, p: string, f: FramedStream) => Promise<void>)(call, peer, framed)
      } catch (err) {
        this.c.logger('task stream with %s ended: %s', peer, (err as Error).message)
        framed.reset(err as Error)
        return
      }
    }
    await framed.close()
  }

  private async refuse (framed: FramedStream, code: WireErrorCode, taskId?: string, retryAfterMs?: number, peer?: string): Promise<void> {
    const load = peer != null ? this.c.loadFor?.(peer) : undefined
    await framed.write(encodeTaskFrame({ v: 1, t: 'error', ...(taskId != null ? { taskId } : {}), state: 'rejected', code, ...(retryAfterMs != null ? { retryAfterMs } : {}), ...(load != null ? { load } : {}) }))
  }

  /** The task's pending writes on disk, lazy ones written now rather than after their linger: a refusal follows. */
  private async settle (pending: Array<Promise<unknown>>): Promise<void> {
    this.c.audit.writeNow()
    await Promise.all(pending)
  }

  /** A refused chain: audited (as admission audits refusals) after the task's pending writes, then answered with its code. */
  private async refuseChain (framed: FramedStream, err: unknown, peer: string, taskId: string, pending: Array<Promise<unknown>>): Promise<void> {
    if (!(err instanceof ChainRefusedError)) throw err
    await this.settle(pending)
    await this.c.admission.refused(peer, err.code, taskId, `chain-${err.reason}`)
    await this.refuse(framed, err.code, taskId)
  }

  private async onSubmit (submit: Submit, peer: string, framed: FramedStream): Promise<void> {
    const { admission, engine } = this.c
    const self = this.c.self()
    const throttledFor = admission.throttled(peer)
    if (throttledFor != null) {
      await admission.refused(peer, 'throttled')
      await this.refuse(framed, 'busy', undefined, throttledFor)
      return
    }
    // writes on the accept path are not awaited one by one: the audit log groups
    // concurrent appends into one write, and every final frame waits for all of them
    const pending: Array<Promise<unknown>> = []
    const req = await admission.check(submit, peer, pending)
    if (typeof req === 'string') {
      await admission.refused(peer, req)
      await this.refuse(framed, req)
      return
    }
    const groups = this.c.memberGroups(peer)
    if (groups == null) { await this.refuse(framed, 'not-a-member', req.taskId); return }
    const tool: Record<string, string> = req.tool != null ? { tool: req.tool } : {}
    const dataClass = effectiveClass(req, this.c.classOf, this.c.toolClassOf ?? (() => undefined))
    const facts = { kind: req.kind, dataClass, ...(req.model != null ? { model: req.model } : {}), ...(req.tool != null ? { tool: req.tool } : {}), ...(req.collection != null ? { collection: req.collection } : {}) }
    let checked: CheckedChain | undefined
    if (req.chain != null) {
      try {
        checked = this.c.chains.verify({ links: req.chain, from: peer, taskId: req.taskId, request: facts })
      } catch (err) {
        await this.refuseChain(framed, err, peer, req.taskId, pending)
        return
      }
    }
    // lazy: the work need not wait for these, and a quick task's result takes them along in one write
    pending.push(this.c.audit.append({ type: 'task.received', actor: self, peer, task: req.taskId, data: { kind: req.kind, model: req.model ?? null, dataClass: req.dataClass, msgId: req.msgId, input: digest(req.input), ...tool, ...checked?.audit } }, LAZY))

    const decision = this.c.policy.decide({
      peerId: peer,
      groups,
      kind: req.kind,
      ...(req.model != null ? { model: req.model } : {}),
      ...(req.tool != null ? { tool: req.tool } : {}),
      ...(req.collection != null ? { collection: req.collection } : {}),
      dataClass,
      direction: 'inbound'
    })
    pending.push(this.c.audit.append({ type: 'policy.decision', actor: self, peer, task: req.taskId, data: { allow: decision.allow, rule: decision.rule, direction: 'inbound', kind: req.kind, ...tool } }, LAZY))
    const settle = async (): Promise<void> => { await this.settle(pending) }
    if (!decision.allow) { await settle(); await this.refuse(framed, 'denied', req.taskId); return }
    if (checked != null) {
      try {
        await this.c.chains.authorize(checked.chain, { taskId: req.taskId, request: facts, checked: peer }, pending)
      } catch (err) {
        await this.refuseChain(framed, err, peer, req.taskId, pending)
        return
      }
    }
    const limits = [['rate-limit', this.c.policy.checkRate(peer, groups)], ['token-quota', this.c.policy.checkTokens(peer, groups)]] as const
    for (const [rule, limit] of limits) {
      if (limit.allow) continue
      await settle()
      // a refusal by a rate limit or quota is a governance decision like any other: on the record
      await this.c.audit.append({ type: 'task.state', actor: self, peer, task: req.taskId, data: { state: 'rejected', code: 'busy', rule, retryAfterMs: limit.retryAfterMs } })
      await this.refuse(framed, 'busy', req.taskId, limit.retryAfterMs)
      return
    }
    const handler = this.c.registry.get(req.kind)
    if (handler == null) { await settle(); await this.refuse(framed, 'not-found', req.taskId); return }
    if (engine.full()) {
      await settle()
      await this.c.audit.append({ type: 'task.state', actor: self, peer, task: req.taskId, data: { state: 'rejected', code: 'busy' } })
      await this.refuse(framed, 'busy', req.taskId, BUSY_RETRY_AFTER_MS, peer)
      return
    }
    let session
    let input: unknown
    try {
      session = openSession(this.c.encryptionKeys, req.enc, { org: req.org, taskId: req.taskId, delegator: peer, executor: self })
      input = handler.parseInput(decodeCbor(session.open(req.input, 0), { maxBytes: MAX_TASK_INPUT_BYTES }))
      // policy decided on the cleartext tool: an input calling another one is refused
      if (handler.toolOf != null && handler.toolOf(input) !== req.tool) throw new MalformedMessageError('The input calls another tool than the request names')
    } catch (err) {
      await settle()
      await admission.refused(peer, 'malformed', req.taskId, (err as Error).name)
      await this.refuse(framed, 'malformed', req.taskId)
      return
    }
    const s = session
    const record = engine.newRecord({ taskId: req.taskId, kind: req.kind, model: handler.modelOf?.(input) ?? req.model, dataClass: req.dataClass, delegator: peer, seal: (b, seq) => s.seal(b, seq), ...(checked != null ? { chain: checked.chain } : {}) })
    record.pendingAudit.push(...pending)
    const running = engine.execute(record, handler, input, 'delegated')
    await this.send(record, 0, framed)
    const usage = (await running)?.usage
    if (usage != null) this.c.policy.chargeTokens(peer, groups, (usage.promptTokens ?? 0) + (usage.completionTokens ?? 0))
  }

  /**
   * Sends a task's frames after `afterSeq`, sealed for its delegator, until it
   * is final; then closes. A progress state (`submitted`, `working`) goes out
   * only when nothing else follows it for `TASK_STATE_FRAME_HOLD_MS`: the
   * delegator reads states only as signs of life, and a quick task's result
   * says more in one frame less.
   */
  private async send (record: TaskRecord, afterSeq: number, framed: FramedStream): Promise<void> {
    const outbox = new Outbox(framed)
    let held: ReturnType<typeof setTimeout> | undefined
    const release = (): void => { clearTimeout(held); held = undefined }
    try {
      for await (const e of this.c.engine.follow(record, afterSeq)) {
        release()
        if (e.t === 'state' && !FINAL_STATES.has(e.state)) {
          const frame = encodeTaskFrame(e)
          held = setTimeout(() => { held = undefined; outbox.push(frame) }, TASK_STATE_FRAME_HOLD_MS)
          continue
        }
        outbox.push(encodeTaskFrame(this.withLoad(sealed(record, e), record.delegator)))
      }
    } finally {
      release()
    }
    await outbox.drain()
    if (outbox.failed) throw new StreamClosedError('The stream broke while the task was sent')
  }

  private async onAttach (call: Attach, peer: string, framed: FramedStream): Promise<void> {
    const record = this.c.engine.records.get(peer, call.taskId)
    if (record == null) { await this.refuse(framed, 'not-found', call.taskId); return }
    // replay what the delegator missed, then follow live until the task is final
    await this.send(record, call.afterSeq, framed)
  }

  private async onCancel (call: Cancel, peer: string, framed: FramedStream): Promise<void> {
    const record = this.c.engine.records.get(peer, call.taskId)
    if (record == null) { await this.refuse(framed, 'not-found', call.taskId); return }
    if (!FINAL_STATES.has(record.state)) record.controller.abort(new TaskFailedError('canceled', 'Canceled by the delegator'))
    await framed.write(encodeTaskFrame({ v: 1, t: 'state', taskId: call.taskId, state: 'canceled' }))
  }

  /** A final frame carries the load as it is now, for a delegator that reads it. */
  private withLoad (e: TaskEvent, peer: string): TaskEvent {
    if (e.t !== 'result' && e.t !== 'error') return e
    const load = this.c.loadFor?.(peer)
    return load != null ? { ...e, load } : e
  }
}

function sealed (record: TaskRecord, e: TaskEvent): TaskEvent {
  return e.t === 'chunk' || e.t === 'result' ? { ...e, data: record.seal(e.data, e.seq) } : e
}
