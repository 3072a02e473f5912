/**
 * `GET /api/series?since=MS`: the samples of the node's recent past
 * (`metrics/series.ts`) after `since`, for the dashboard's charts; behind
 * the API token like every route with data. The ring bounds the answer
 * (`MAX_SERIES_SAMPLES`), so a client asking for everything gets an hour.
 */
import type { ApiServer } from '../api/server.ts'
import type { ApiModules } from '../api/modules.ts'
import { HttpError } from '../api/errors.ts'
import { metricSeries, type SeriesInit } from '../metrics/index.ts'

export type SeriesRouteModules = Pick<ApiModules, 'node' | 'audit' | 'tasks'>

export function registerSeriesRoutes (api: ApiServer, modules: SeriesRouteModules, init: SeriesInit = {}): void {
  const series = metricSeries(init)(modules)
  series.start()
  api.onClose(() => { series.stop() })

  api.route('GET', '/api/series', async ({ query }) => {
    const raw = query.get('since') ?? '0'
    if (!/^\d{1,15}$/.test(raw)) throw new HttpError('malformed', 'since must be milliseconds since the epoch')
    return { intervalMs: series.intervalMs, self: modules.node.status().peerId, samples: series.since(Number(raw)) }
  })
}
