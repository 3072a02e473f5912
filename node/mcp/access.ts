/**
 * How the MCP tools reach the mesh. Inside the node (`/mcp`) they call the
 * router directly; `mycel mcp` (stdio) goes through the running node's
 * control API, re-reading `api.json` on each call so a restarted node (new
 * port, new token) is picked up. Both paths end in `router.run`, so routing,
 * policy and audit are the same as for `mycel run`.
 */
import { ApiClient, readApiFile } from '../api/client.ts'
import { codeOf, NodeNotRunningError, publicMessage } from '../api/errors.ts'
import type { MemoryModule, NodeModule, SessionsModule, TasksModule } from '../api/modules.ts'
import type { MeshAnswer } from '../mesh-memory/index.ts'
import type { SessionTurnRequestBody } from '../api/session-body.ts'
import type { TaskRequestBody } from '../api/task-stream.ts'
import type { ApiErrorCode } from '../../protocol/codes.ts'
import type { DataClass } from '../../protocol/task/messages.ts'

export interface MeshTask {
  kind: string
  model?: string
  input: Record<string, unknown>
  peer?: string
  dataClass?: DataClass
  collection?: string
  /** An `llm.chat` turn of this session: `input.messages` are only the new ones (`sessions/`). */
  session?: string
}

export interface MeshTaskResult {
  taskId: string
  executor: string
  output: unknown
  usage?: { promptTokens: number, completionTokens: number }
}

export interface MeshAccess {
  /** Verified capability cards of the members, this node's own included. */
  capabilities: (signal?: AbortSignal) => Promise<Array<Record<string, unknown>>>
  run: (task: MeshTask, opts?: { signal?: AbortSignal, onText?: (text: string) => void }) => Promise<MeshTaskResult>
  /** Federated search over every member holding collections this node may read (`mycel memory search`). */
  searchMesh: (query: string, opts: { k?: number, signal?: AbortSignal }) => Promise<MeshAnswer>
}

/** A task the node refused or that failed; `code` is its API error code (`protocol/codes.ts`). */
export class MeshTaskError extends Error {
  static override name = 'MeshTaskError'
  readonly code: ApiErrorCode
  readonly retryAfterMs?: number
  constructor (code: ApiErrorCode, message: string, retryAfterMs?: number) {
    super(message)
    this.name = MeshTaskError.name
    this.code = code
    if (retryAfterMs != null) this.retryAfterMs = retryAfterMs
  }
}

/** Any failure on the way as a `MeshTaskError`, keeping its code and, for typed errors, its message. */
function meshError (err: unknown): MeshTaskError {
  if (err instanceof MeshTaskError) return err
  const ms = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs
  return new MeshTaskError(codeOf(err), publicMessage(err), typeof ms === 'number' ? ms : undefined)
}

function spec (task: MeshTask): TaskRequestBody {
  return {
    kind: task.kind,
    input: task.input,
    priority: 'interactive',
    ...(task.model != null ? { model: task.model } : {}),
    ...(task.peer != null ? { peer: task.peer } : {}),
    ...(task.dataClass != null ? { dataClass: task.dataClass } : {}),
    ...(task.collection != null ? { collection: task.collection } : {})
  }
}

/** A session turn's body from an `llm.chat` task. */
function turnBody (session: string, task: MeshTask): SessionTurnRequestBody {
  const { messages, maxTokens } = task.input as { messages: SessionTurnRequestBody['messages'], maxTokens?: number }
  return {
    session,
    messages,
    priority: 'interactive',
    ...(task.model != null ? { model: task.model } : {}),
    ...(task.peer != null ? { peer: task.peer } : {}),
    ...(task.dataClass != null ? { dataClass: task.dataClass } : {}),
    ...(maxTokens != null ? { maxTokens } : {})
  }
}

/** Access from inside the node process. */
export function nodeAccess ({ tasks, node, sessions, memory }: { tasks: Pick<TasksModule, 'run'>, node: Pick<NodeModule, 'caps'>, sessions: Pick<SessionsModule, 'turn'>, memory: Pick<MemoryModule, 'mesh'> }): MeshAccess {
  return {
    capabilities: async () => node.caps(),
    async searchMesh (query, opts) {
      if (memory.mesh == null) throw new MeshTaskError('unavailable', 'This node does not search the mesh')
      try {
        return await memory.mesh.search(query, { ...(opts.k != null ? { k: opts.k } : {}), ...(opts.signal != null ? { signal: opts.signal } : {}) })
      } catch (err) {
        throw meshError(err)
      }
    },
    async run (task, opts = {}) {
      try {
        const onEvent = (e: { type: string, text?: string }): void => { if (e.type === 'text' && e.text != null) opts.onText?.(e.text) }
        const signal = opts.signal != null ? { signal: opts.signal } : {}
        let r
        if (task.session != null) {
          const { maxTokens, ...turn } = turnBody(task.session, task)
          r = await sessions.turn({ ...turn, sampling: maxTokens != null ? { maxTokens } : {}, ...signal, onEvent })
        } else {
          r = await tasks.run({ ...spec(task), ...signal, onEvent })
        }
        return { taskId: r.taskId, executor: r.executor, output: r.output, ...(r.usage != null ? { usage: r.usage } : {}) }
      } catch (err) {
        throw meshError(err)
      }
    }
  }
}

/** Access through the control API of the node running for `home`. */
export function apiAccess (home: string): MeshAccess {
  const client = async (): Promise<ApiClient> => {
    const file = await readApiFile(home)
    if (file == null) throw new NodeNotRunningError()
    return new ApiClient(file.url, file.token)
  }
  return {
    capabilities: async (signal) => await (await client()).get<Array<Record<string, unknown>>>('/api/caps', signal),
    async searchMesh (query, opts) {
      try {
        return await (await client()).post<MeshAnswer>('/api/memory/mesh/search', { query, ...(opts.k != null ? { k: opts.k } : {}) }, opts.signal)
      } catch (err) {
        throw meshError(err)
      }
    },
    async run (task, opts = {}) {
      let result: MeshTaskResult | undefined
      try {
        const api = await client()
        const events = task.session != null ? api.sessionTurn(turnBody(task.session, task), opts.signal) : api.runTask(spec(task), opts.signal)
        for await (const e of events) {
          if (e.type === 'text') opts.onText?.(e.text)
          else if (e.type === 'error') throw new MeshTaskError(e.error.wire, e.error.message, e.error.retryAfterMs)
          else if (e.type === 'result') result = { taskId: e.taskId, executor: e.executor, output: e.output, ...(e.usage != null ? { usage: e.usage } : {}) }
        }
      } catch (err) {
        throw meshError(err)
      }
      if (result == null) throw new MeshTaskError('malformed', 'The node closed the stream without a result')
      return result
    }
  }
}
