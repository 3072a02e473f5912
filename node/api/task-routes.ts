/**
 * Control API routes for tasks, policy and audit. `POST /api/tasks` streams
 * the events of `task-stream.ts` (routed, text, failover, reset) and ends
 * with one `result` or `error` line, so `mycel run` prints output as it
 * comes. The status line waits for the first output (at most
 * `TASK_STATUS_HOLD_MS`): a task refused before any (busy, denied, no
 * member) is answered with its own status, 429 with `Retry-After`
 * included, rather than a 200 whose last line says so.
 */
import type { ApiServer, RouteContext } from './server.ts'
import type { AuditModule, PolicyModule, TasksModule } from './modules.ts'
import type { RouteEvent, RunResult } from '../tasks/index.ts'
import { HttpError } from './errors.ts'
import { body } from './body.ts'
import { TaskBody, taskEvent, type TaskEvent } from './task-stream.ts'
import { TASK_STATUS_HOLD_MS } from './constants.ts'
import { describePolicy } from '../policy/describe.ts'
import { entryToJson } from '../audit/entry.ts'

/** Most tasks `GET /api/tasks` lists, newest first. */
const MAX_LISTED_TASKS = 200
const TASK_ID = /^[0-9a-f]{32}$/
/** Most audit entries a task's detail carries (a task writes a handful; failovers add a few per attempt). */
const MAX_TASK_AUDIT_ENTRIES = 100

function resultEvent (r: RunResult & { session?: string }): TaskEvent {
  return {
    type: 'result',
    ...(r.session != null ? { session: r.session } : {}),
    taskId: r.taskId,
    executor: r.executor,
    ...(r.output !== undefined ? { output: r.output } : {}),
    ...(r.usage != null ? { usage: { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens } } : {}),
    ...(r.finishReason != null ? { finishReason: r.finishReason } : {}),
    ...(r.stopSequence != null ? { stopSequence: r.stopSequence } : {}),
    attempts: r.attempts
  }
}

/**
 * Streams one routed run as task events, ending with its result or error
 * line. Routing events wait for the first output (at most
 * `TASK_STATUS_HOLD_MS`), so a refusal can still choose the status.
 */
export async function streamRun (stream: RouteContext['stream'], run: (onEvent: (e: RouteEvent) => void) => Promise<RunResult & { session?: string }>): Promise<void> {
  const out = stream.ndjson()
  const held: TaskEvent[] = []
  let hold: ReturnType<typeof setTimeout> | undefined
  const flush = (): void => { clearTimeout(hold); for (const h of held.splice(0)) out.write(h) }
  const emit = (e: RouteEvent | TaskEvent): void => {
    const event = taskEvent(e)
    if (!out.started && (event.type === 'routed' || event.type === 'failover')) {
      held.push(event)
      hold ??= setTimeout(flush, TASK_STATUS_HOLD_MS)
      return
    }
    flush()
    out.write(event)
  }
  try {
    emit(resultEvent(await run(emit)))
  } catch (err) {
    clearTimeout(hold)
    if (!out.started) throw err
    out.fail(err)
  }
  out.end()
}

export interface TaskRouteModules {
  tasks: Pick<TasksModule, 'run' | 'list' | 'cancel'>
  policy: PolicyModule
  audit: Pick<AuditModule, 'tail' | 'verify' | 'byTask' | 'verifyPeers' | 'trace'>
}

export function registerTaskRoutes (api: ApiServer, { tasks, policy, audit }: TaskRouteModules): void {
  api.route('POST', '/api/tasks', async ({ body: b, signal, stream }) => {
    const spec = body(TaskBody, b, 'task request')
    await streamRun(stream, async (onEvent) => await tasks.run({
      kind: spec.kind,
      input: spec.input as Record<string, unknown>,
      ...(spec.model != null ? { model: spec.model } : {}),
      ...(spec.dataClass != null ? { dataClass: spec.dataClass } : {}),
      ...(spec.peer != null ? { peer: spec.peer } : {}),
      ...(spec.local === true ? { local: true } : {}),
      ...(spec.collection != null ? { collection: spec.collection } : {}),
      priority: spec.priority ?? 'interactive',
      signal,
      onEvent
    }))
  })

  api.route('GET', '/api/tasks', async () => {
    return tasks.list().sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_LISTED_TASKS)
  })

  /** One task as each role on this node saw it, with its audit trail (ids, verdicts and digests, never content). */
  api.route('GET', '/api/tasks/:id', async ({ params }) => {
    const id = params.id ?? ''
    if (!TASK_ID.test(id)) throw new HttpError('malformed', 'Not a task id')
    const records = tasks.list().filter(t => t.taskId === id)
    const audited = (await audit.byTask(id)).slice(-MAX_TASK_AUDIT_ENTRIES).map(entryToJson)
    if (records.length === 0 && audited.length === 0) throw new HttpError('not-found', 'No task with that id on this node')
    return { taskId: id, records, audit: audited }
  })

  api.route('POST', '/api/tasks/:id/cancel', async ({ params }) => {
    const id = params.id ?? ''
    if (!TASK_ID.test(id)) throw new HttpError('malformed', 'Not a task id')
    if (!tasks.cancel(id)) throw new HttpError('not-found', 'No running task with that id on this node')
    return { canceled: id }
  })

  api.route('GET', '/api/policy', async () => ({ ...describePolicy(policy.current()), file: policy.file() }))

  api.route('POST', '/api/policy/reload', async () => await policy.reload())

  api.route('GET', '/api/audit/tail', async ({ query }) => {
    const n = Math.min(1000, Math.max(1, Number(query.get('n') ?? 20) || 20))
    return (await audit.tail(n)).map(entryToJson)
  })

  api.route('GET', '/api/audit/verify', async () => await audit.verify())

  // the tree of tasks linked by delegation chains around one task, as this node's entries hold it
  api.route('GET', '/api/audit/trace/:id', async ({ params }) => {
    const id = params.id ?? ''
    if (!TASK_ID.test(id)) throw new HttpError('malformed', 'Not a task id')
    const tree = await audit.trace?.(id)
    if (tree == null) throw new HttpError('not-found', 'No audit entry of that task on this node')
    return tree
  })

  api.route('GET', '/api/audit/verify-peers', async () => await audit.verifyPeers())
}
