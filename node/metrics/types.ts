/** What the node's metrics read, and their options. */
import type { ApiModules } from '../api/modules.ts'
import type { TaskFoldInit } from './task-fold.ts'

export type MetricsModules = {
  audit: Pick<ApiModules['audit'], 'subscribe' | 'settle'>
  tasks: Pick<ApiModules['tasks'], 'load'>
  node: Pick<ApiModules['node'], 'status'>
}

export interface MetricsInit extends TaskFoldInit {
  /** Upper bounds of the latency histogram, in seconds. @default TASK_DURATION_BUCKETS_SECONDS */
  durationBucketsSeconds?: number[]
  /** How long after `start()` prom-client loads when nothing asked for it sooner. @default METRICS_LOAD_DELAY_MS */
  loadDelayMs?: number
}
