/**
 * The node's Prometheus metrics as prom-client objects, on a registry of its
 * own (never prom-client's global one: several nodes may share a process, in
 * tests and the demo). Counters take the folded audit log (`task-fold.ts`);
 * gauges read the executor's load and the node's status when scraped, so
 * they cost nothing between scrapes. Loaded by `metrics.ts` after the start.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { AuditEntry } from '../audit/entry.ts'
import type { TaskFold } from './task-fold.ts'
import type { MetricsInit, MetricsModules } from './types.ts'
import { TASK_DURATION_BUCKETS_SECONDS } from './constants.ts'

export class PromMetrics {
  readonly registry = new Registry()
  private readonly fold: TaskFold
  private readonly tasks: Counter<'kind' | 'role' | 'state'>
  private readonly duration: Histogram<'kind' | 'role'>
  private readonly tokens: Counter<'kind' | 'type'>
  private readonly rejections: Counter<'code'>
  private readonly denials: Counter<'kind' | 'direction'>
  private readonly appends: Counter<'type'>

  constructor (modules: MetricsModules, init: MetricsInit, fold: TaskFold) {
    this.fold = fold
    const registers = [this.registry]
    this.tasks = new Counter({ name: 'mycel_tasks_total', help: 'Tasks that reached a final state, by kind, role of this node and state', labelNames: ['kind', 'role', 'state'], registers })
    this.duration = new Histogram({ name: 'mycel_task_duration_seconds', help: 'Time from a task\'s first audit entry to its final state', labelNames: ['kind', 'role'], buckets: init.durationBucketsSeconds ?? TASK_DURATION_BUCKETS_SECONDS, registers })
    this.tokens = new Counter({ name: 'mycel_tokens_total', help: 'Tokens of tasks this node executed, by kind and type (prompt, completion)', labelNames: ['kind', 'type'], registers })
    this.rejections = new Counter({ name: 'mycel_task_rejections_total', help: 'Task requests refused before they ran, by code', labelNames: ['code'], registers })
    this.denials = new Counter({ name: 'mycel_policy_denials_total', help: 'Policy decisions that denied a task, by kind and direction', labelNames: ['kind', 'direction'], registers })
    this.appends = new Counter({ name: 'mycel_audit_appends_total', help: 'Entries written to the audit log, by type', labelNames: ['type'], registers })
    const load = (pick: 'running' | 'queued' | 'slots') => function (this: Gauge) { this.set(modules.tasks.load()[pick]) }
    new Gauge({ name: 'mycel_executor_running', help: 'Tasks the executor runs now', registers, collect: load('running') })
    new Gauge({ name: 'mycel_executor_queued', help: 'Tasks waiting for an executor slot', registers, collect: load('queued') })
    new Gauge({ name: 'mycel_executor_slots', help: 'Tasks the executor runs at once', registers, collect: load('slots') })
    new Gauge({ name: 'mycel_cards_known', help: 'Verified capability cards this node holds, its own included', registers, collect () { this.set(modules.node.status().cards.known) } })
    new Gauge({ name: 'mycel_peers_connected', help: 'Admitted members connected now', registers, collect () { this.set(modules.node.status().peers) } })
    new Gauge({
      name: 'mycel_cards_rejected',
      help: 'Capability cards refused since start, by reason',
      labelNames: ['reason'],
      registers,
      collect () { for (const [reason, n] of Object.entries(modules.node.status().cards.rejected)) this.set({ reason }, n) }
    })
  }

  /** The exposition text (`text/plain; version=0.0.4`) and its content type. */
  async scrape (): Promise<{ contentType: string, body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  observe (entry: AuditEntry): void {
    this.appends.inc({ type: entry.type })
    for (const e of this.fold.add(entry)) {
      if (e.type === 'task') {
        this.tasks.inc({ kind: e.kind, role: e.role, state: e.state })
        this.duration.observe({ kind: e.kind, role: e.role }, e.durationMs / 1000)
      } else if (e.type === 'tokens') {
        if (e.prompt > 0) this.tokens.inc({ kind: e.kind, type: 'prompt' }, e.prompt)
        if (e.completion > 0) this.tokens.inc({ kind: e.kind, type: 'completion' }, e.completion)
      } else if (e.type === 'denied') {
        this.denials.inc({ kind: e.kind, direction: e.direction })
      } else {
        this.rejections.inc({ code: e.code })
      }
    }
  }
}
