/**
 * The node's metrics in Prometheus text format, on a registry per node:
 * tasks by kind, role and state with their latency, tokens, refusals,
 * policy denials and audit appends (all followed from the audit log), and
 * the executor's load and the mesh's size read when scraped.
 *
 * @example
 * const metrics = nodeMetrics()({ audit, tasks, node })
 * metrics.start()
 * const { contentType, body } = await metrics.scrape()
 * metrics.stop()
 */
export { nodeMetrics, NodeMetrics, type MetricsInit, type MetricsModules } from './metrics.ts'
export { ObservedAuditLog, type AuditListener } from './observed-audit-log.ts'
export { taskLog, TaskLog, formatTaskLine, type TaskOutcome, type TaskLogInit } from './task-log.ts'
export { TaskFold, type FoldEvent, type TaskRole } from './task-fold.ts'
export { metricSeries, MetricSeries, type SeriesInit, type SeriesModules, type SeriesSample } from './series.ts'
