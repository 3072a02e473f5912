/**
 * The delegator side: picks an executor and sees the task through.
 *
 * Candidates are ranked by `rankCandidates` (load, round trip, experience);
 * a task's data class is decided from its collection (`effectiveClass`), so
 * a task touching a `local-only` collection of this node runs here or
 * waits, never leaves (one pinned to another member names that member's
 * collection, and the member applies its own class). A failed attempt is
 * judged by its error's code (failover.ts); output already shown is not
 * shown twice (delivery.ts).
 */
import { randomBytes } from 'node:crypto'
import type { TaskState } from '../../../protocol/task/messages.ts'
import type { TaskSummary } from '../executor/executor.ts'
import { hopScope } from '../../../protocol/chain/index.ts'
import { BusyError, NoCandidateError, PolicyDeniedError, TaskFailedError } from '../errors.ts'
import { DEFAULT_TASK_CLASS, effectiveClass } from '../data-class.ts'
import { sleep } from '../sleep.ts'
import { AGENT_RUN_KIND, BUSY_RETRY_AFTER_MS, MAX_BUSY_ROUNDS, MAX_BUSY_WAIT_MS, MAX_FAILOVER_ATTEMPTS, RECENT_TASKS } from '../constants.ts'
import { TaskClient } from '../wire/client.ts'
import type { TaskClientError } from '../wire/errors.ts'
import { attempt, OpenTasks } from './attempt.ts'
import { rankCandidates, type Candidate, type CandidateSpec } from './candidates.ts'
import { Delivery } from './delivery.ts'
import { judge } from './failover.ts'
import { viaFallback } from './fallback.ts'
import { PeerHealthBook, type PeerHealth } from './health.ts'
import { reachableOffers, type TaskOffer } from './offers.ts'
import { LoadBook } from './load-book.ts'
import { asClientError, callerError, settle, stopOf } from './outcome.ts'
import { pick } from './pick.ts'
import type { RouterComponents, RouterInit, RunResult, RunSpec } from './spec.ts'
import type { ModelRate, TaskLoad } from '../../../protocol/load/index.ts'

export type { RouterComponents, RouterInit, RouteEvent, RunSpec, RunResult } from './spec.ts'

export class TaskRouter {
  private readonly c: RouterComponents
  private readonly client: TaskClient
  private readonly health: PeerHealthBook
  private readonly recent: TaskSummary[] = []
  /** Tasks being routed, so `cancel(taskId)` reaches a delegated one too. */
  private readonly inFlight = new Map<string, AbortController>()
  /** Tasks open on each member from this node: ranking counts them until a fresher load does. */
  private readonly open = new OpenTasks()
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
    this.client.stop()
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
    this.loads.observe(peer, load, this.open.count(peer), at)
  }

  /** Tokens per second a member reported for its models (its verified load beat). */
  reportRates (peer: string, rates: ModelRate[]): void {
    this.loads.report(peer, rates)
  }

  /** Work (running + queued) and slots the router counts on a member now: its freshest load and our tasks sent since. */
  loadOf (peer: string): { work: number, slots: number } | undefined {
    const card = this.c.cards().find(c => c.peerId === peer)
    return card != null ? this.loads.busy(peer, { load: card.load, at: card.issuedAt }, this.open.count(peer)) : undefined
  }

  /** Candidate executors for a kind and model, best first. */
  candidates (spec: CandidateSpec): Candidate[] {
    return rankCandidates(spec, {
      self: this.self,
      cards: this.c.cards,
      memberGroups: this.c.memberGroups,
      rttMs: this.c.rttMs,
      penalty: peer => this.health.penalty(peer),
      busy: (peer, card) => this.loads.busy(peer, { load: card.load, at: card.issuedAt }, this.open.count(peer)),
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

  private async route (spec: RunSpec, taskId: string): Promise<RunResult> {
    // a task pinned to another member names that member's collection, whose class it applies itself;
    // any other task touching one of ours is at least as strict as that collection
    const remotePin = spec.peer != null && spec.peer !== this.self && spec.local !== true
    const dataClass = remotePin ? spec.dataClass ?? DEFAULT_TASK_CLASS : effectiveClass(spec, this.c.classOf, this.c.toolClassOf)
    let candidates: Candidate[]
    try {
      candidates = pick({ self: this.self, cards: this.c.cards, memberGroups: this.c.memberGroups, candidates: s => this.candidates(s) }, spec, dataClass)
    } catch (err) {
      // only a task no member offers may leave the org, and only one that was not pinned
      if (!(err instanceof NoCandidateError) || this.c.fallback == null || spec.peer != null) throw err
      return await viaFallback(this.c.fallback, spec, dataClass, taskId, err, s => { this.remember(s) })
    }
    const summary: TaskSummary = { taskId, kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), role: 'delegator', peer: '', executor: '', state: 'submitted', createdAt: Date.now(), updatedAt: Date.now() }
    this.remember(summary)
    const delivery = new Delivery(spec.onEvent)
    const pinned = spec.peer != null || spec.local === true || dataClass === 'local-only'
    const end = (state: TaskState, err: TaskClientError): Error => settle(summary, state, callerError(err))
    let last: TaskClientError | undefined
    // a member that was only busy may still fit a task others refused by context
    let busySeen = false
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
          const out = await attempt({ c: this.c, self: this.self, client: this.client, open: this.open }, cand, spec, dataClass, taskId, delivery)
          if (spec.model != null && out.usage != null) this.loads.measured(cand.peerId, spec.model, out.usage.completionTokens, Date.now() - began)
          summary.state = 'completed'
          summary.updatedAt = Date.now()
          return { taskId, executor: cand.peerId, output: out.output, ...(out.usage != null ? { usage: out.usage } : {}), ...(out.finishReason != null ? { finishReason: out.finishReason } : {}), ...(out.toolCalls != null ? { toolCalls: out.toolCalls } : {}), ...stopOf(out, spec), attempts }
        } catch (caught) {
          const err = last = asClientError(caught)
          if (spec.signal?.aborted === true) throw end('canceled', err)
          const verdict = judge(err, pinned, pinned || cand.local)
          if (verdict.type === 'end') throw end(verdict.state, err)
          if (verdict.type === 'busy') { busySeen = true; busyFor = Math.min(busyFor ?? Infinity, verdict.retryAfterMs); continue }
          if (verdict.demote != null) this.health.failed(cand.peerId, verdict.demote)
          if (verdict.failover) spec.onEvent?.({ type: 'failover', from: cand.peerId, reason: err.message })
        }
      }
      if (busyFor == null || busyFor > MAX_BUSY_WAIT_MS) break
      spec.signal?.throwIfAborted()
      await sleep(busyFor, spec.signal)
    }
    if (last?.code === 'busy' && (!last.contextRefusal || busySeen)) throw settle(summary, 'failed', new BusyError(last.retryAfterMs ?? BUSY_RETRY_AFTER_MS))
    if (last?.remoteCode === 'denied') throw settle(summary, 'failed', new PolicyDeniedError(`Every candidate's policy denied "${spec.kind}"`))
    throw settle(summary, 'failed', last != null ? callerError(last) : new NoCandidateError())
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
