/**
 * Probes and metrics for whoever runs the node: `/health` (liveness: the
 * process answers HTTP; no token, no detail), `/ready` (503 until the node
 * is on the mesh with a valid membership and has a policy in force; no
 * token, only the names of failing checks) and `/metrics` (Prometheus text
 * format, behind the API token like everything else with data in it).
 */
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import type { ApiModules } from '../api/modules.ts'
import { nodeMetrics, type MetricsInit } from '../metrics/index.ts'

export type HealthModules = Pick<ApiModules, 'node' | 'policy' | 'audit' | 'tasks'>

export type ReadinessCheck = 'mesh' | 'membership' | 'policy'

/** The checks `/ready` fails, none when the node is ready. */
export function failingChecks ({ node, policy }: { node: ApiModules['node'], policy: Pick<ApiModules['policy'], 'current'> }, now = Date.now()): ReadinessCheck[] {
  const failing: ReadinessCheck[] = []
  const status = node.status()
  // listening on the mesh: the libp2p host is up and has addresses
  if (status.addresses.length === 0) failing.push('mesh')
  if (status.org == null || (status.certExpiresAt != null && status.certExpiresAt <= now)) failing.push('membership')
  try {
    if (policy.current() == null) failing.push('policy')
  } catch {
    failing.push('policy')
  }
  return failing
}

export function registerHealthRoutes (api: ApiServer, modules: HealthModules, init: MetricsInit = {}): void {
  const metrics = nodeMetrics(init)(modules)
  metrics.start()
  api.onClose(() => { metrics.stop() })

  api.route('GET', '/health', async () => ({ status: 'ok' }), { auth: false })

  api.route('GET', '/ready', async ({ res }) => {
    const failing = failingChecks(modules)
    if (failing.length === 0) return { status: 'ready' }
    api.send(res, 503, { status: 'not-ready', failing })
    return HANDLED
  }, { auth: false })

  api.route('GET', '/metrics', async ({ res }) => {
    const { contentType, body } = await metrics.scrape()
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    res.end(body)
    return HANDLED
  })
}
