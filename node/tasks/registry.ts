/**
 * Task kinds plug in here: each kind validates its own input, runs, and
 * streams text. The executor and the local path both go through the same
 * handler, so delegated output equals local output byte for byte.
 *
 * @example
 * const registry = new TaskKindRegistry()
 * registry.register(echoKind())
 * registry.get('echo')?.run(input, ctx)
 */

import type { TaskPriority } from '../runtime/scheduler.ts'
import type { ToolCall } from '../../protocol/task/chat.ts'
import type { VerifiedChain } from '../../protocol/chain/index.ts'

export type { TaskPriority }

export interface TaskRunContext {
  taskId: string
  /** Peer id of who asked (this node for local runs). */
  from: string
  signal: AbortSignal
  priority: TaskPriority
  /** Streams a piece of output text to the delegator. */
  emit: (text: string) => void
  /** The delegation chain the task arrived with, verified by the executor (protocol/chain). */
  chain?: VerifiedChain
}

export interface TaskUsage { promptTokens: number, completionTokens: number }

export interface TaskOutput {
  /** Text for generation kinds; JSON-like data for others (embeddings, search hits). */
  output: unknown
  usage?: TaskUsage
  finishReason?: string
  /** Calls the model made (`llm.chat` with tools; `finishReason` is then `tool_calls`). */
  toolCalls?: ToolCall[]
  /** The stop sequence that ended a generation (not in `output`). */
  stopSequence?: string
}

export interface TaskKindHandler<I = unknown> {
  kind: string
  /** Checks and types the decrypted input (throws `InvalidTaskInputError`). */
  parseInput: (value: unknown) => I
  run: (input: I, ctx: TaskRunContext) => Promise<TaskOutput>
  /** The model an input asks for, for policy and routing. */
  modelOf?: (input: I) => string | undefined
  /**
   * The tool an input calls (`tool.call`): policy decides on the request's
   * cleartext `tool`, so the executor refuses an input naming another one.
   */
  toolOf?: (input: I) => string | undefined
}

export class TaskKindRegistry {
  private readonly handlers = new Map<string, TaskKindHandler<any>>()

  register (handler: TaskKindHandler<any>): void {
    this.handlers.set(handler.kind, handler)
  }

  get (kind: string): TaskKindHandler<unknown> | undefined {
    return this.handlers.get(kind)
  }

  kinds (): string[] {
    return [...this.handlers.keys()].sort()
  }
}
