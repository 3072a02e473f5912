/**
 * The node's Prometheus metrics. It follows the audit log from the start,
 * but prom-client (with OpenTelemetry's API, some 80 modules) loads only
 * after it: on the first scrape, `METRICS_LOAD_DELAY_MS` after start, or
 * once `MAX_PENDING_AUDIT_ENTRIES` entries wait, whichever comes first.
 * Entries seen before are kept and counted when it has loaded, so nothing
 * is missed.
 */
import type { AuditEntry } from '../audit/entry.ts'
import { lazyModule } from '../lazy.ts'
import type { PromMetrics } from './prom.ts'
import { TaskFold } from './task-fold.ts'
import type { MetricsInit, MetricsModules } from './types.ts'
import { MAX_PENDING_AUDIT_ENTRIES, METRICS_LOAD_DELAY_MS } from './constants.ts'

const loadProm = lazyModule('prom-client', async () => await import('./prom.ts'))

export function nodeMetrics (init: MetricsInit = {}): (modules: MetricsModules) => NodeMetrics {
  return (modules) => new NodeMetrics(modules, init)
}

export type { MetricsInit, MetricsModules }

export class NodeMetrics {
  private readonly modules: MetricsModules
  private readonly init: MetricsInit
  private readonly fold: TaskFold
  private prom?: PromMetrics
  private loading?: Promise<PromMetrics>
  private pending: AuditEntry[] = []
  private unsubscribe?: () => void
  private timer?: ReturnType<typeof setTimeout>

  constructor (modules: MetricsModules, init: MetricsInit = {}) {
    this.modules = modules
    this.init = init
    this.fold = new TaskFold(init)
  }

  /** Starts following the audit log; idempotent. */
  start (): void {
    this.unsubscribe ??= this.modules.audit.subscribe(entry => { this.observe(entry) })
    this.timer ??= setTimeout(() => { this.load().catch(() => {}) }, this.init.loadDelayMs ?? METRICS_LOAD_DELAY_MS)
    this.timer.unref?.()
  }

  stop (): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** The exposition text (`text/plain; version=0.0.4`) and its content type. */
  async scrape (): Promise<{ contentType: string, body: string }> {
    // counters follow entries once they are on disk: lingering ones are written first, so a
    // scrape counts every task that ended before it
    await this.modules.audit.settle()
    return await (await this.load()).scrape()
  }

  private observe (entry: AuditEntry): void {
    if (this.prom != null) { this.prom.observe(entry); return }
    this.pending.push(entry)
    if (this.pending.length < MAX_PENDING_AUDIT_ENTRIES) return
    this.load().catch(() => {})
    // only while the library cannot load at all: the oldest go, memory stays bounded
    if (this.pending.length > 2 * MAX_PENDING_AUDIT_ENTRIES) this.pending.shift()
  }

  /** prom-client's metrics, with every entry seen so far counted; one load, shared. */
  private async load (): Promise<PromMetrics> {
    if (this.prom != null) return this.prom
    this.loading ??= loadProm().then(({ PromMetrics }) => {
      const prom = new PromMetrics(this.modules, this.init, this.fold)
      for (const entry of this.pending) prom.observe(entry)
      this.pending = []
      this.prom = prom
      return prom
    }, (err: unknown) => { this.loading = undefined; throw err })
    return await this.loading
  }
}
