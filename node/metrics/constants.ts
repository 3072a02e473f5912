/** Bounds of the node's metrics. */

/** Tasks followed from their first audit entry to their last; the oldest are forgotten past this (a refused task never gets a last one). */
export const MAX_TRACKED_TASKS = 10_000
/** Distinct task kinds given their own label; further kinds (a peer may send any) share `other`. */
export const MAX_KIND_LABELS = 64
/** Upper bounds of the task latency histogram, in seconds (a cached echo to a long generation). */
export const TASK_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
/** How often the dashboard's time series takes a sample, in milliseconds. */
export const SERIES_INTERVAL_MS = 2_000
/** Samples the series keeps (an hour at the default interval); the oldest go first. */
export const MAX_SERIES_SAMPLES = 1_800
/** Members given their own load line in a sample; a mesh larger than this shows the busiest. */
export const MAX_SERIES_MEMBERS = 64
/** How long after a node starts its metrics library loads when no scrape asked for it sooner: after the start, not during it. */
export const METRICS_LOAD_DELAY_MS = 5_000
/** Audit entries kept for the metrics until the library has loaded; this many load it at once. */
export const MAX_PENDING_AUDIT_ENTRIES = 1_000
