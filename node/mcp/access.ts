/**
 * How the MCP tools reach the mesh. Inside the node (`/mcp`) they call the
 * router directly; `mycel mcp` (stdio) goes through the running node's
 * control API, re-reading `api.json` on each call so a restarted node (new
 * port, new token) is picked up. Both paths end in `router.run`, so routing,
 * policy and audit are the same as for `mycel run`.
 */
import { ApiClient, readApiFile } from '../api/client.ts'
import { NodeNotRunningError } from '../cli/errors.ts'
import type { RunResult, RunSpec } from '../tasks/router.ts'
import type { DataClass } from '../../protocol/task/messages.ts'

export interface MeshTask {
  kind: string
  model?: string
  input: Record<string, unknown>
  peer?: string
  dataClass?: DataClass
  collection?: string
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
}

/** A task the node refused or that failed; `code` is the node's typed error name (`NoCandidateError`, ...). */
export class MeshTaskError extends Error {
  static override name = 'MeshTaskError'
  readonly code: string
  readonly retryAfterMs?: number
  constructor (code: string, message: string, retryAfterMs?: number) {
    super(message)
    this.name = MeshTaskError.name
    this.code = code
    if (retryAfterMs != null) this.retryAfterMs = retryAfterMs
  }
}

function spec (task: MeshTask): Omit<RunSpec, 'signal' | 'onEvent'> {
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

/** Access from inside the node process. */
export function nodeAccess (node: { readonly router?: { run: (s: RunSpec) => Promise<RunResult> } | undefined, caps: () => Array<Record<string, unknown>> }): MeshAccess {
  return {
    capabilities: async () => node.caps(),
    async run (task, opts = {}) {
      if (node.router == null) throw new MeshTaskError('unavailable', 'The node is not ready')
      try {
        const r = await node.router.run({ ...spec(task), ...(opts.signal != null ? { signal: opts.signal } : {}), onEvent: e => { if (e.type === 'text') opts.onText?.(e.text) } })
        return { taskId: r.taskId, executor: r.executor, output: r.output, ...(r.usage != null ? { usage: r.usage } : {}) }
      } catch (err) {
        const e = err as Error & { code?: string, retryAfterMs?: number }
        // a task that failed on an executor names its wire code; everything else its error class
        const code = e.name === 'TaskFailedError' && e.code != null ? `TaskFailedError:${e.code}` : e.name
        throw new MeshTaskError(code, e.name === 'Error' ? 'Internal error' : e.message, e.retryAfterMs)
      }
    }
  }
}

interface TaskLine { type: string, text?: string, taskId?: string, executor?: string, output?: unknown, usage?: MeshTaskResult['usage'], error?: { code: string, wire?: string, message: string, retryAfterMs?: number } }

/** Access through the control API of the node running for `home`. */
export function apiAccess (home: string): MeshAccess {
  const client = async (): Promise<ApiClient> => {
    const file = await readApiFile(home)
    if (file == null) throw new NodeNotRunningError()
    return new ApiClient(file.url, file.token)
  }
  return {
    capabilities: async (signal) => await (await client()).get<Array<Record<string, unknown>>>('/api/caps', signal),
    async run (task, opts = {}) {
      const api = await client()
      let result: MeshTaskResult | undefined
      try {
        for await (const line of api.stream<TaskLine>('/api/tasks', spec(task), opts.signal)) {
          if (line.type === 'text' && line.text != null) opts.onText?.(line.text)
          else if (line.type === 'error') {
            const e = line.error
            const code = e?.code === 'TaskFailedError' && e.wire != null ? `TaskFailedError:${e.wire}` : e?.code ?? 'Error'
            throw new MeshTaskError(code, e?.message ?? 'Task failed', e?.retryAfterMs)
          } else if (line.type === 'result') {
            result = { taskId: String(line.taskId), executor: String(line.executor), output: line.output, ...(line.usage != null ? { usage: line.usage } : {}) }
          }
        }
      } catch (err) {
        if (err instanceof MeshTaskError) throw err
        const e = err as Error & { code?: string }
        throw new MeshTaskError(e.name === 'ApiRequestError' ? e.code ?? 'Error' : e.name, e.message)
      }
      if (result == null) throw new MeshTaskError('Error', 'The node closed the stream without a result')
      return result
    }
  }
}
