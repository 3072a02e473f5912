/**
 * The node's recent past for the dashboard's charts: every `intervalMs` one
 * sample of the load each member reports (this node's own read live from
 * the executor, the others' from their verified cards), the tokens per
 * second this node generated, and the tasks that finished with their mean
 * and longest latency. Tokens and latencies are read from the audit log
 * through the same fold as `/metrics`, so the charts and the counters
 * agree. Samples live in a bounded ring in memory; nothing is written.
 *
 * @example
 * const series = metricSeries()({ audit, tasks, node })
 * series.start()
 * series.since(Date.now() - 60_000) // [{ t, tokensPerSecond, tasks, latencyMs, latencyMaxMs, load }]
 * series.stop()
 */
import type { ApiModules } from '../api/modules.ts'
import type { AuditEntry } from '../audit/entry.ts'
import { TaskFold } from './task-fold.ts'
import { MAX_SERIES_MEMBERS, MAX_SERIES_SAMPLES, SERIES_INTERVAL_MS } from './constants.ts'

export interface SeriesSample {
  /** End of the interval, milliseconds since the epoch. */
  t: number
  /** Completion tokens this node generated per second over the interval. */
  tokensPerSecond: number
  /** Tasks that reached a final state in the interval (any role). */
  tasks: number
  /** Mean and longest time from first audit entry to final state of those tasks; null without any. */
  latencyMs: number | null
  latencyMaxMs: number | null
  /** Running plus queued tasks per member (peer id). */
  load: Record<string, number>
}

export type SeriesModules = {
  audit: Pick<ApiModules['audit'], 'subscribe'>
  tasks: Pick<ApiModules['tasks'], 'load'>
  node: Pick<ApiModules['node'], 'status' | 'caps'>
}

export interface SeriesInit {
  /** @default SERIES_INTERVAL_MS */
  intervalMs?: number
  /** @default MAX_SERIES_SAMPLES */
  maxSamples?: number
  /** @default MAX_SERIES_MEMBERS */
  maxMembers?: number
  /** The clock (tests). @default Date.now */
  now?: () => number
}

export function metricSeries (init: SeriesInit = {}): (modules: SeriesModules) => MetricSeries {
  return (modules) => new MetricSeries(modules, init)
}

export class MetricSeries {
  readonly intervalMs: number
  private readonly modules: SeriesModules
  private readonly maxSamples: number
  private readonly maxMembers: number
  private readonly now: () => number
  private readonly fold = new TaskFold()
  private readonly ring: SeriesSample[] = []
  private last: number
  private tokens = 0
  private durations: number[] = []
  private unsubscribe?: () => void
  private timer?: ReturnType<typeof setInterval>

  constructor (modules: SeriesModules, init: SeriesInit = {}) {
    this.modules = modules
    this.intervalMs = init.intervalMs ?? SERIES_INTERVAL_MS
    this.maxSamples = init.maxSamples ?? MAX_SERIES_SAMPLES
    this.maxMembers = init.maxMembers ?? MAX_SERIES_MEMBERS
    this.now = init.now ?? Date.now
    this.last = this.now()
  }

  /** Follows the audit log and samples on a timer; idempotent. */
  start (): void {
    this.unsubscribe ??= this.modules.audit.subscribe(entry => { this.observe(entry) })
    if (this.timer == null) {
      this.last = this.now()
      this.timer = setInterval(() => { this.sample() }, this.intervalMs)
      // the ring must not keep a stopping process alive
      this.timer.unref()
    }
  }

  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Samples taken after `t` (all of them for 0), oldest first. */
  since (t = 0): SeriesSample[] {
    const i = this.ring.findIndex(s => s.t > t)
    return i < 0 ? [] : this.ring.slice(i)
  }

  /** Closes the interval now: one sample of what happened since the last. */
  sample (): SeriesSample {
    const t = this.now()
    const seconds = Math.max(0.001, (t - this.last) / 1000)
    const durations = this.durations
    const s: SeriesSample = {
      t,
      tokensPerSecond: round(this.tokens / seconds),
      tasks: durations.length,
      latencyMs: durations.length > 0 ? round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
      latencyMaxMs: durations.length > 0 ? Math.max(...durations) : null,
      load: this.load()
    }
    this.last = t
    this.tokens = 0
    this.durations = []
    this.ring.push(s)
    if (this.ring.length > this.maxSamples) this.ring.splice(0, this.ring.length - this.maxSamples)
    return s
  }

  private observe (entry: AuditEntry): void {
    for (const e of this.fold.add(entry)) {
      if (e.type === 'task') this.durations.push(e.durationMs)
      else if (e.type === 'tokens') this.tokens += e.completion
    }
  }

  /** This node's load live; each other member's as its latest card says. */
  private load (): Record<string, number> {
    const self = this.modules.node.status().peerId
    const own = this.modules.tasks.load()
    const loads: Array<[string, number]> = [[self, own.running + own.queued]]
    for (const card of this.modules.node.caps()) {
      const peerId = card.peerId
      if (typeof peerId !== 'string' || peerId === self) continue
      const l = card.load as { running?: unknown, queued?: unknown } | undefined
      loads.push([peerId, count(l?.running) + count(l?.queued)])
    }
    // a very large mesh keeps its busiest members (this node always first)
    const [first, ...rest] = loads
    rest.sort((a, b) => b[1] - a[1])
    return Object.fromEntries([first as [string, number], ...rest].slice(0, this.maxMembers))
  }
}

function count (v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0
}

function round (n: number): number {
  return Math.round(n * 100) / 100
}
