/**
 * The SDK's `AgentExecutor` over Mycel's router: one A2A task is one
 * `tasks.run`, so it is routed, policy-checked and audited exactly like
 * `mycel run`. Events map one to one: the task (`submitted`), `working` once
 * routed (status metadata `mycel.executor`, the member running it), each
 * piece of output text as an append to the `output` artifact (a failover
 * whose output diverged starts the artifact afresh), structured output as a
 * data part, then `completed` with `mycel.{taskId, executor, usage}`; a
 * failure ends as `failed`, a refusal (policy, no member) as `rejected`, a
 * cancel as `canceled`, each with a one-line status message and
 * `mycel.code`. Tasks run detached from the request that started them, so a
 * client may go away and `SubscribeToTask` or `GetTask` later.
 */
import { randomUUID } from 'node:crypto'
import { Role, TaskState, type Message, type Part, type TaskStatus } from '@a2a-js/sdk'
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server'
import type { TasksModule } from '../api/modules.ts'
import { codeOf, publicMessage } from '../api/errors.ts'
import type { Logger } from '../logger.ts'
import type { RouteEvent, RunResult } from '../tasks/index.ts'
import { TaskFailedError } from '../tasks/index.ts'
import { messageTask, type MessageTask } from './message.ts'
import { OUTPUT_ARTIFACT_ID } from './constants.ts'

export interface MeshAgentExecutorComponents {
  tasks: Pick<TasksModule, 'run' | 'offers'>
  logger: Logger
}

const textPart = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' })
const dataPart = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' })

function agentMessage (taskId: string, contextId: string, text: string): Message {
  return { messageId: randomUUID(), taskId, contextId, role: Role.ROLE_AGENT, parts: [textPart(text)], metadata: undefined, extensions: [], referenceTaskIds: [] }
}

function status (state: TaskState, message?: Message): TaskStatus {
  return { state, message, timestamp: new Date().toISOString() }
}

/** Refusals end as `rejected` (spec: the agent decided not to perform the task); the rest as `failed`. */
const REJECTIONS = new Set(['denied', 'no-candidate', 'not-found', 'revoked'])

export class MeshAgentExecutor implements AgentExecutor {
  private readonly c: MeshAgentExecutorComponents
  private readonly running = new Map<string, AbortController>()

  constructor (components: MeshAgentExecutorComponents) {
    this.c = components
  }

  /** Tasks running now. */
  get size (): number { return this.running.size }

  /** Aborts every running task (the server is closing); each ends as `failed`. */
  abortAll (reason: Error): void {
    for (const c of this.running.values()) c.abort(reason)
  }

  async execute (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = ctx
    let spec: MessageTask
    try {
      spec = messageTask(ctx.request, this.c.tasks.offers())
    } catch (err) {
      // checked before it got here (handler.ts), but the mesh may have changed since (a model gone)
      bus.publish(AgentEvent.task({ id: taskId, contextId, status: status(TaskState.TASK_STATE_REJECTED, agentMessage(taskId, contextId, publicMessage(err))), artifacts: [], history: [ctx.userMessage], metadata: undefined }))
      bus.finished()
      return
    }
    const controller = new AbortController()
    this.running.set(taskId, controller)
    const meta = { kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}) }
    bus.publish(AgentEvent.task({ id: taskId, contextId, status: status(TaskState.TASK_STATE_SUBMITTED), artifacts: [], history: [ctx.userMessage], metadata: { mycel: meta } }))
    let streamed = false
    const artifact = (parts: Part[], append: boolean, lastChunk: boolean): void => {
      bus.publish(AgentEvent.artifactUpdate({ taskId, contextId, artifact: { artifactId: OUTPUT_ARTIFACT_ID, name: 'output', description: '', parts, metadata: undefined, extensions: [] }, append, lastChunk, metadata: undefined }))
    }
    const onEvent = (e: RouteEvent): void => {
      if (e.type === 'routed') {
        bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(TaskState.TASK_STATE_WORKING), metadata: { mycel: { ...meta, taskId: e.taskId, executor: e.executor, attempt: e.attempt } } }))
      } else if (e.type === 'text') {
        artifact([textPart(e.text)], streamed, false)
        streamed = true
      } else if (e.type === 'reset') {
        // a failed-over executor wrote different text: the next piece replaces the artifact
        streamed = false
      }
    }
    try {
      const result = await this.c.tasks.run({ ...spec, priority: 'interactive', signal: controller.signal, onEvent })
      this.finishOutput(result, streamed, artifact)
      bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(TaskState.TASK_STATE_COMPLETED), metadata: { mycel: { ...meta, ...resultMeta(result) } } }))
    } catch (err) {
      const code = controller.signal.aborted ? codeOf(controller.signal.reason) : codeOf(err)
      const state = code === 'canceled' ? TaskState.TASK_STATE_CANCELED : REJECTIONS.has(code) ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED
      const message = controller.signal.aborted ? publicMessage(controller.signal.reason) : publicMessage(err)
      this.c.logger('a2a task %s (%s) ended %s: %s', taskId, spec.kind, code, message)
      bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: status(state, agentMessage(taskId, contextId, message)), metadata: { mycel: { ...meta, code } } }))
    } finally {
      this.running.delete(taskId)
      bus.finished()
    }
  }

  async cancelTask (taskId: string, bus: ExecutionEventBus): Promise<void> {
    const controller = this.running.get(taskId)
    // already over: the request handler sees the bus finish with the task's last state
    if (controller == null) { bus.finished(); return }
    controller.abort(new TaskFailedError('canceled', 'Canceled by the A2A client'))
  }

  /** Text already streamed is the output; anything else (vectors, hits, tool results) is one data part. */
  private finishOutput (result: RunResult, streamed: boolean, artifact: (parts: Part[], append: boolean, last: boolean) => void): void {
    const out = result.output
    if (typeof out === 'string') {
      if (!streamed && out !== '') artifact([textPart(out)], false, true)
      return
    }
    if (out !== undefined) artifact([dataPart(jsonValue(out))], false, true)
  }
}

function resultMeta (r: RunResult): Record<string, unknown> {
  return {
    taskId: r.taskId,
    executor: r.executor,
    attempts: r.attempts,
    ...(r.usage != null ? { usage: { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens } } : {}),
    ...(r.finishReason != null ? { finishReason: r.finishReason } : {})
  }
}

/** Output as JSON: typed arrays (embeddings) become number arrays, bytes hex, as the control API sends them. */
function jsonValue (v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? Number(x) : x instanceof Float32Array ? Array.from(x) : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x))
}
