/**
 * The delegator side: picks an executor and sees the task through.
 *
 * Candidates are ranked by `rankCandidates` (load, round trip, experience);
 * a task's data class is decided from its collection (`effectiveClass`), so
 * a task touching a `local-only` collection of this node runs here or
 * waits, never leaves (one pinned to another member names that member's
 * collection, and the member applies its own class). A failed attempt is judged by its error's code: busy members are
 * retried after the longest suggested pause, broken or lying members are
 * failed over (liars also demoted), and errors that another member would
 * give too end the task. Output already shown is not shown twice.
 */
import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import type { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../../logger.ts'
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import type { DataClass, TaskState } from '../../../protocol/task/messages.ts'
import type { Ed25519KeyPair } from '../../../identity/keys.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import type { AuditLog } from '../../audit/log.ts'
import type { TaskExecutor } from '../executor/task-executor.ts'
import type { TaskSummary } from '../executor/executor.ts'
import type { TaskKindRegistry, TaskOutput, TaskPriority, TaskUsage } from '../registry.ts'
import type { ToolCall } from '../../../protocol/task/chat.ts'
import { extendChain, hopScope, type ChainRequest } from '../../../protocol/chain/index.ts'
import { chainCrypto, nodeLinkSigner } from '../../../identity/chain-crypto.ts'
import { BusyError, NoCandidateError, PolicyDeniedError, TaskFailedError } from '../errors.ts'
import { DEFAULT_TASK_CLASS, effectiveClass, type ClassOf, type ToolClassOf } from '../data-class.ts'
import { sleep } from '../sleep.ts'
import { AGENT_RUN_KIND, CLOUD_EXECUTOR, BUSY_RETRY_AFTER_MS, MAX_BUSY_ROUNDS, MAX_BUSY_WAIT_MS, MAX_FAILOVER_ATTEMPTS, MEMORY_KIND_PREFIX, RECENT_TASKS } from '../constants.ts'
import { TaskClient, type TaskClientInit } from '../wire/client.ts'
import type { TaskClientError } from '../wire/errors.ts'
import { rankCandidates, type Candidate, type CandidateSpec } from './candidates.ts'
import { Delivery } from './delivery.ts'
import { PeerHealthBook, type HealthInit, type PeerHealth } from './health.ts'
import { runRemote } from './remote.ts'
import { reachableOffers, type TaskOffer } from './offers.ts'
import { LoadBook } from './load-book.ts'
import { asClientError, callerError, settle, stopOf } from './outcome.ts'
import type { ModelRate, TaskLoad } from '../../../protocol/load/index.ts'

export interface RouterComponents {
  logger: Logger
  host: {
    peerId: { toString: () => string }
    dialProtocol: (peer: ReturnType<typeof peerIdFromString>, protocol: string, o: { signal: AbortSignal, maxOutboundStreams?: number }) => Promise<Stream>
  }
  orgId: string
  key: Ed25519KeyPair
  /** Verified, unexpired cards of other members. */
  cards: () => CapabilityCard[]
  /**
   * Groups of a member: from its admission when connected, else from the
   * membership chain its verified card carries (a member we are not connected
   * to right now is still a candidate; dialling it goes through the gate).
   */
  memberGroups: (peerId: string) => string[] | undefined
  rttMs: (peerId: string) => number | undefined
  policy: PolicyEngine
  audit: AuditLog
  executor: Pick<TaskExecutor, 'runLocal' | 'load'>
  registry: TaskKindRegistry
  /** Models this node can serve itself. */
  localModels: () => string[]
  /** sha256 of the file this node serves under a model name, for tasks that pin one. */
  localModelDigest?: (model: string) => string | undefined
  /** The data class of a collection on this node: decides a task's effective class. */
  classOf: ClassOf
  /** The data class of a tool this node offers (undefined for one it does not): a local candidate, and the task's class. @default no tools */
  toolClassOf?: ToolClassOf
  /** Whether this node's memory holds a collection: a task naming one it lacks goes to members whose cards name it. @default every collection */
  holdsCollection?: (collection: string) => boolean
  /** Whether the org revoked this node: no member admits it, so it says so instead of failing to dial. */
  revoked: () => boolean
  /**
   * Where a task goes when no member offers it (the cloud fallback, which
   * applies the policy itself); it throws `noCandidate` when it cannot take
   * it either. @default none: no candidate is the end
   */
  fallback?: { serve: (task: { kind: string, model?: string, input: Record<string, unknown>, dataClass: DataClass, taskId: string, signal?: AbortSignal, onText?: (text: string) => void }, noCandidate: Error) => Promise<TaskOutput> }
}

export interface RouterInit extends TaskClientInit, HealthInit {}

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
  /** Made stricter by the collection's class. @default 'internal' */
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
  /** Extend (or start) a delegation chain for this task (protocol/chain). */
  chain?: ChainRequest
}

export interface RunResult {
  taskId: string
  executor: string
  output: unknown
  usage?: TaskUsage
  finishReason?: string
  /** Calls the model made (`llm.chat` with tools). */
  toolCalls?: ToolCall[]
  /** The stop sequence that ended a generation, one the caller gave. */
  stopSequence?: string
  attempts: number
}

export class TaskRouter {
  private readonly c: RouterComponents
  private readonly client: TaskClient
  private readonly health: PeerHealthBook
  private readonly recent: TaskSummary[] = []
  /** Tasks being routed, so `cancel(taskId)` reaches a delegated one too. */
  private readonly inFlight = new Map<string, AbortController>()
  /** Tasks open on each member from this node: ranking counts them until a fresher load does. */
  private readonly openOn = new Map<string, number>()
  /** Freshest load and measured speed per member (task responses, load beats). */
  private readonly loads = new LoadBook()

  constructor (components: RouterComponents, init: RouterInit = {}) {
    this.c = components
    this.client = new TaskClient({ logger: components.logger, host: components.host, onLoad: (peer, load) => { this.observeLoad(peer, load) } }, init)
    this.health = new PeerHealthBook(init)
  }

  private get self (): string { return this.c.host.peerId.toString() }

  /** Nothing to open: the router dials on demand. Here for the service lifecycle. */
  async start (): Promise<void> {}

  /** Aborts the tasks it is routing (their executors are told to stop); idempotent. */
  async stop (): Promise<void> {
    for (const controller of this.inFlight.values()) controller.abort(new TaskFailedError('unavailable', 'Node is shutting down'))
  }

  /** Delegated tasks this node sent, newest first. */
  list (): TaskSummary[] {
    return [...this.recent].reverse()
  }

  /** What experience says of other members: failures by kind and the current penalty. */
  peerHealth (): PeerHealth[] {
    return this.health.list()
  }

  /** A member's load as measured at `at` (a verified load beat, a task response): newer than its card's. */
  observeLoad (peer: string, load: TaskLoad, at = Date.now()): void {
    this.loads.observe(peer, load, this.openOn.get(peer) ?? 0, at)
  }

  /** Tokens per second a member reported for its models (its verified load beat). */
  reportRates (peer: string, rates: ModelRate[]): void {
    this.loads.report(peer, rates)
  }

  /** Work (running + queued) and slots the router counts on a member now: its freshest load and our tasks sent since. */
  loadOf (peer: string): { work: number, slots: number } | undefined {
    const card = this.c.cards().find(c => c.peerId === peer)
    return card != null ? this.loads.busy(peer, { load: card.load, at: card.issuedAt }, this.openOn.get(peer) ?? 0) : undefined
  }

  /** Tokens per second this node measured on its own models, for its load beat. */
  ownRates (): ModelRate[] {
    return this.loads.ratesOf(this.self)
  }

  /** Candidate executors for a kind and model, best first. */
  candidates (spec: CandidateSpec): Candidate[] {
    return rankCandidates(spec, {
      self: this.self,
      cards: this.c.cards,
      memberGroups: this.c.memberGroups,
      rttMs: this.c.rttMs,
      penalty: peer => this.health.penalty(peer),
      busy: (peer, card) => this.loads.busy(peer, { load: card.load, at: card.issuedAt }, this.openOn.get(peer) ?? 0),
      rate: (peer, model) => this.loads.rate(peer, model),
      local: s => this.c.registry.get(s.kind) != null && (s.model == null || this.c.localModels().includes(s.model)) &&
        (s.modelSha256 == null || (s.model != null && this.c.localModelDigest?.(s.model) === s.modelSha256)) && (s.tool == null || this.c.toolClassOf?.(s.tool) != null) &&
        (s.collection == null || this.c.holdsCollection == null || this.c.holdsCollection(s.collection))
        ? this.c.executor.load()
        : undefined
    })
  }

  /** Every kind a task submitted here could reach now, with its models, tools and executors. */
  offers (): TaskOffer[] {
    return reachableOffers({
      self: this.self,
      cards: this.c.cards,
      memberGroups: this.c.memberGroups,
      policy: this.c.policy,
      localKinds: () => this.c.registry.kinds(),
      localModels: this.c.localModels
    })
  }

  /** Cancels a task this node is routing (run here or delegated); the executor is told to stop. */
  cancel (taskId: string): boolean {
    const controller = this.inFlight.get(taskId)
    if (controller == null) return false
    controller.abort(new TaskFailedError('canceled', 'Canceled'))
    return true
  }

  async run (spec: RunSpec): Promise<RunResult> {
    if (this.c.revoked()) throw new TaskFailedError('revoked', 'This node was revoked from the organisation')
    // a door that sends a tool call without naming the tool in clear (A2A, /api/tasks): policy and routing need it
    if (spec.tool == null) {
      const tool = this.c.registry.get(spec.kind)?.toolOf?.(spec.input)
      if (typeof tool === 'string') spec = { ...spec, tool }
    }
    // every agent run carries a chain: one started without a parent is a root this node issues
    if (spec.chain == null && spec.kind === AGENT_RUN_KIND) spec = { ...spec, chain: {} }
    // a hop that would widen its parent is refused before anything is signed or sent
    if (spec.chain != null) hopScope(spec.chain)
    const taskId = randomBytes(16).toString('hex')
    const controller = new AbortController()
    this.inFlight.set(taskId, controller)
    try {
      return await this.route({ ...spec, signal: spec.signal != null ? AbortSignal.any([spec.signal, controller.signal]) : controller.signal }, taskId)
    } finally {
      this.inFlight.delete(taskId)
    }
  }

  private pick (spec: RunSpec, dataClass: DataClass): Candidate[] {
    if (dataClass === 'local-only' || spec.local === true) {
      if (spec.peer != null && spec.peer !== this.self) throw new PolicyDeniedError('local-only data never leaves this node', 'local-only')
      return [{ peerId: this.self, local: true }]
    }
    if (spec.peer != null) {
      if (spec.peer === this.self) return [{ peerId: this.self, local: true }]
      const card = this.c.cards().find(c => c.peerId === spec.peer)
      if (card == null || this.c.memberGroups(spec.peer) == null) throw new NoCandidateError(`Peer ${spec.peer} is not a member with a verified card`)
      return [{ peerId: spec.peer, card, local: false }]
    }
    const pinned = typeof spec.input.modelSha256 === 'string' ? spec.input.modelSha256 : undefined
    // a memory task reading a collection goes to the members holding it, as their cards say
    // (other kinds name a collection only for its data class)
    const collection = spec.kind.startsWith(MEMORY_KIND_PREFIX) ? spec.collection : undefined
    const candidates = this.candidates({ kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), ...(pinned != null ? { modelSha256: pinned } : {}), ...(spec.tool != null ? { tool: spec.tool } : {}), ...(collection != null ? { collection } : {}), dataClass })
    if (candidates.length === 0 && collection != null && this.candidates({ kind: spec.kind, dataClass }).length > 0) {
      throw new NoCandidateError(`No member holds collection "${collection}"`)
    }
    if (candidates.length === 0) throw new NoCandidateError(`No member offers "${spec.kind}"${spec.model != null ? ` with model "${spec.model}"` : ''}${pinned != null ? ` (sha256 ${pinned.slice(0, 12)}…)` : ''}${spec.tool != null ? ` with tool "${spec.tool}"` : ''}`)
    return candidates
  }

  private async route (spec: RunSpec, taskId: string): Promise<RunResult> {
    // a task pinned to another member names that member's collection, whose class it applies itself;
    // any other task touching one of ours is at least as strict as that collection
    const remotePin = spec.peer != null && spec.peer !== this.self && spec.local !== true
    const dataClass = remotePin ? spec.dataClass ?? DEFAULT_TASK_CLASS : effectiveClass(spec, this.c.classOf, this.c.toolClassOf)
    let candidates: Candidate[]
    try {
      candidates = this.pick(spec, dataClass)
    } catch (err) {
      // only a task no member offers may leave the org, and only one that was not pinned
      if (!(err instanceof NoCandidateError) || this.c.fallback == null || spec.peer != null) throw err
      return await this.viaFallback(spec, dataClass, taskId, err)
    }
    const summary: TaskSummary = { taskId, kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), role: 'delegator', peer: '', executor: '', state: 'submitted', createdAt: Date.now(), updatedAt: Date.now() }
    this.remember(summary)
    const delivery = new Delivery(spec.onEvent)
    const pinned = spec.peer != null || spec.local === true || dataClass === 'local-only'
    const end = (state: TaskState, err: TaskClientError): Error => settle(summary, state, callerError(err))
    let last: TaskClientError | undefined
    let attempts = 0
    for (let round = 0; round < MAX_BUSY_ROUNDS; round++) {
      // the soonest a busy candidate said it would take work again
      let busyFor: number | undefined
      for (const cand of candidates.slice(0, MAX_FAILOVER_ATTEMPTS)) {
        spec.signal?.throwIfAborted()
        attempts++
        Object.assign(summary, { executor: cand.peerId, peer: cand.peerId, state: 'working', updatedAt: Date.now() })
        spec.onEvent?.({ type: 'routed', taskId, executor: cand.peerId, attempt: attempts })
        delivery.newAttempt()
        try {
          const began = Date.now()
          const out = await this.attempt(cand, spec, dataClass, taskId, delivery)
          if (spec.model != null && out.usage != null) this.loads.measured(cand.peerId, spec.model, out.usage.completionTokens, Date.now() - began)
          summary.state = 'completed'
          summary.updatedAt = Date.now()
          return { taskId, executor: cand.peerId, output: out.output, ...(out.usage != null ? { usage: out.usage } : {}), ...(out.finishReason != null ? { finishReason: out.finishReason } : {}), ...(out.toolCalls != null ? { toolCalls: out.toolCalls } : {}), ...stopOf(out, spec), attempts }
        } catch (caught) {
          const err = last = asClientError(caught)
          if (spec.signal?.aborted === true) throw end('canceled', err)
          const failover = (reason: string): void => { spec.onEvent?.({ type: 'failover', from: cand.peerId, reason }) }
          switch (err.code) {
            case 'canceled': throw end('canceled', err)
            case 'busy': busyFor = Math.min(busyFor ?? Infinity, err.retryAfterMs ?? BUSY_RETRY_AFTER_MS); continue
            case 'dial': case 'closed': case 'stalled':
              this.health.failed(cand.peerId, 'transport')
              failover(err.message)
              continue
            case 'malformed':
              this.health.failed(cand.peerId, 'malformed')
              failover(err.message)
              continue
            case 'remote':
              switch (err.remoteCode) {
                case 'canceled': throw end('canceled', err)
                case 'denied': if (pinned) throw end('rejected', err); continue
                case 'unavailable': case 'timeout': case 'internal': failover(err.message); continue
                case 'not-found': case 'malformed':
                  // from a member chosen by its card, this is a claim that failed (a model or kind it
                  // does not serve, an input it cannot read): demote it and try an honest one
                  if (pinned || cand.local) throw end('failed', err)
                  this.health.failed(cand.peerId, 'claim')
                  failover(err.message)
                  continue
                case 'max-tokens-exceeded': case 'prompt-too-long':
                  // another member may have a larger limit; this one did not lie about anything
                  if (pinned || cand.local) throw end('failed', err)
                  failover(err.message)
                  continue
                default: throw end('failed', err)
              }
          }
        }
      }
      if (busyFor == null || busyFor > MAX_BUSY_WAIT_MS) break
      spec.signal?.throwIfAborted()
      await sleep(busyFor, spec.signal)
    }
    if (last?.code === 'busy') throw settle(summary, 'failed', new BusyError(last.retryAfterMs ?? BUSY_RETRY_AFTER_MS))
    if (last?.remoteCode === 'denied') throw settle(summary, 'failed', new PolicyDeniedError(`Every candidate's policy denied "${spec.kind}"`))
    throw settle(summary, 'failed', last != null ? callerError(last) : new NoCandidateError())
  }

  /** The fallback's answer to a task no member offers; listed with the delegated tasks, its executor `cloud`. */
  private async viaFallback (spec: RunSpec, dataClass: DataClass, taskId: string, noCandidate: NoCandidateError): Promise<RunResult> {
    const fallback = this.c.fallback as NonNullable<RouterComponents['fallback']>
    const summary: TaskSummary = { taskId, kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), role: 'delegator', peer: CLOUD_EXECUTOR, executor: CLOUD_EXECUTOR, state: 'working', createdAt: Date.now(), updatedAt: Date.now() }
    let out: TaskOutput
    try {
      out = await fallback.serve({
        kind: spec.kind, input: spec.input, dataClass, taskId,
        ...(spec.model != null ? { model: spec.model } : {}),
        ...(spec.signal != null ? { signal: spec.signal } : {}),
        ...(spec.onEvent != null ? { onText: (text: string) => { spec.onEvent?.({ type: 'text', text }) } } : {})
      }, noCandidate)
    } catch (err) {
      // not configured, or not for this kind or model: the task was never the fallback's
      if (err === noCandidate) throw err
      this.remember(summary)
      throw settle(summary, spec.signal?.aborted === true ? 'canceled' : 'failed', err as Error)
    }
    this.remember(summary)
    summary.state = 'completed'
    summary.updatedAt = Date.now()
    return { taskId, executor: CLOUD_EXECUTOR, output: out.output, ...(out.usage != null ? { usage: out.usage } : {}), ...(out.finishReason != null ? { finishReason: out.finishReason } : {}), attempts: 1 }
  }

  private async attempt (cand: Candidate, spec: RunSpec, dataClass: DataClass, taskId: string, delivery: Delivery): Promise<TaskOutput> {
    const onText = (t: string): void => { delivery.push(t) }
    // each attempt gets its own last link: bound to this executor, used once
    const chain = spec.chain != null ? extendChain({ org: this.c.orgId, self: this.self, audience: cand.peerId, taskId, request: spec.chain, node: nodeLinkSigner(this.c.key), crypto: chainCrypto }) : undefined
    if (cand.local) {
      return await this.c.executor.runLocal({
        kind: spec.kind, input: spec.input, dataClass, taskId, priority: spec.priority ?? 'interactive', ...(spec.signal != null ? { signal: spec.signal } : {}), onText,
        ...(chain != null ? { chain, ...(spec.model != null ? { model: spec.model } : {}), ...(spec.tool != null ? { tool: spec.tool } : {}), ...(spec.collection != null ? { collection: spec.collection } : {}) } : {})
      })
    }
    this.openOn.set(cand.peerId, (this.openOn.get(cand.peerId) ?? 0) + 1)
    try {
      return await runRemote({ ...this.c, self: this.self, client: this.client }, cand.peerId, cand.card as CapabilityCard, {
        kind: spec.kind, input: spec.input, dataClass, taskId, onText,
        ...(spec.model != null ? { model: spec.model } : {}),
        ...(spec.collection != null ? { collection: spec.collection } : {}),
        ...(spec.tool != null ? { tool: spec.tool } : {}),
        ...(spec.signal != null ? { signal: spec.signal } : {}),
        ...(chain != null ? { chain } : {})
      })
    } finally {
      const n = (this.openOn.get(cand.peerId) ?? 1) - 1
      if (n <= 0) this.openOn.delete(cand.peerId)
      else this.openOn.set(cand.peerId, n)
    }
  }

  private remember (s: TaskSummary): void {
    this.recent.push(s)
    if (this.recent.length > RECENT_TASKS) this.recent.shift()
  }
}

/** @example const router = taskRouter()(components); await router.run({ kind: 'echo', input: { prompt: 'hi' } }) */
export function taskRouter (init: RouterInit = {}): (components: RouterComponents) => TaskRouter {
  return (components) => new TaskRouter(components, init)
}
