/**
 * Control API routes for tasks, policy and audit. `POST /api/tasks` streams
 * newline-delimited JSON events (routed, text, failover, reset) and ends
 * with one `result` or `error` line, so `mycel run` prints output as it comes.
 */
import type { ApiServer } from './server.ts'
import { HANDLED } from './server.ts'
import type { MycelNode } from '../mycel-node.ts'
import { HttpError } from './errors.ts'
import { body } from './control-routes.ts'
import { json, literal, object, oneOf, optional, record, str } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { describePolicy } from '../policy/describe.ts'
import { entryToJson } from '../audit/entry.ts'
import { statusOf } from './errors.ts'
import { wireCodeOf } from '../tasks/errors.ts'

const TaskBody = object({
  kind: str({ min: 1, max: 64 }),
  model: optional(str({ max: 128 })),
  input: record(json({ maxDepth: 12, maxItems: 100_000 }), { max: 64 }),
  dataClass: optional(oneOf(DATA_CLASSES)),
  peer: optional(str({ max: 128 })),
  local: optional(literal(true)),
  collection: optional(str({ max: 128 })),
  priority: optional(oneOf(['interactive', 'background'] as const))
})

export function registerTaskRoutes (api: ApiServer, node: MycelNode): void {
  api.route('POST', '/api/tasks', async ({ body: b, res, signal }) => {
    const spec = body(TaskBody, b, 'task request')
    const router = node.router
    if (router == null) throw new HttpError(503, 'unavailable', 'The node is not ready')
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' })
    const line = (v: unknown): void => { res.write(JSON.stringify(v) + '\n') }
    try {
      const result = await router.run({
        kind: spec.kind,
        input: spec.input as Record<string, unknown>,
        ...(spec.model != null ? { model: spec.model } : {}),
        ...(spec.dataClass != null ? { dataClass: spec.dataClass } : {}),
        ...(spec.peer != null ? { peer: spec.peer } : {}),
        ...(spec.local === true ? { local: true } : {}),
        ...(spec.collection != null ? { collection: spec.collection } : {}),
        priority: spec.priority ?? 'interactive',
        signal,
        onEvent: (e) => { line(e) }
      })
      line({ type: 'result', ...result })
    } catch (err) {
      const e = err as Error & { code?: string, retryAfterMs?: number }
      const status = statusOf(e)
      line({ type: 'error', error: { code: e.name, wire: wireCodeOf(e), status, message: status === 500 && e.name !== 'TaskFailedError' ? 'Internal error' : e.message, ...(e.retryAfterMs != null ? { retryAfterMs: e.retryAfterMs } : {}) } })
    }
    res.end()
    return HANDLED
  })

  api.route('GET', '/api/tasks', async () => {
    const all = [...(node.router?.list() ?? []), ...(node.executor?.list() ?? [])]
    return all.sort((a, b) => b.createdAt - a.createdAt).slice(0, 200)
  })

  api.route('POST', '/api/tasks/:id/cancel', async ({ params }) => {
    if (!/^[0-9a-f]{32}$/.test(params.id ?? '')) throw new HttpError(400, 'invalid_request', 'Not a task id')
    // a task this node delegated is canceled through its router, which tells the executor
    const ok = (node.executor?.cancel(params.id as string) ?? false) || (node.router?.cancel(params.id as string) ?? false)
    if (!ok) throw new HttpError(404, 'UnknownTaskError', 'No running task with that id on this node')
    return { canceled: params.id }
  })

  api.route('GET', '/api/policy', async () => {
    if (node.policy == null) throw new HttpError(503, 'unavailable', 'The node is not ready')
    return describePolicy(node.policy.policy)
  })

  api.route('GET', '/api/audit/tail', async ({ query }) => {
    const n = Math.min(1000, Math.max(1, Number(query.get('n') ?? 20) || 20))
    return (await node.audit!.tail(n)).map(entryToJson)
  })

  api.route('GET', '/api/audit/verify', async () => await node.audit!.verify())
}
