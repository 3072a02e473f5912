/** The router's components and options, and what a caller asks of it and gets back. */
import type { Stream } from '@libp2p/interface'
import type { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../../logger.ts'
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import type { DataClass } from '../../../protocol/task/messages.ts'
import type { ToolCall } from '../../../protocol/task/chat.ts'
import type { ChainRequest } from '../../../protocol/chain/index.ts'
import type { Ed25519KeyPair } from '../../../identity/keys.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import type { AuditLog } from '../../audit/log.ts'
import type { TaskExecutor } from '../executor/task-executor.ts'
import type { TaskKindRegistry, TaskOutput, TaskPriority, TaskUsage } from '../registry.ts'
import type { ClassOf, ToolClassOf } from '../data-class.ts'
import type { TaskClientInit } from '../wire/client.ts'
import type { HealthInit } from './health.ts'

export interface RouterComponents {
  logger: Logger
  host: {
    peerId: { toString: () => string }
    dialProtocol: (peer: ReturnType<typeof peerIdFromString>, protocol: string, o: { signal: AbortSignal, maxOutboundStreams?: number }) => Promise<Stream>
  }
  orgId: string
  key: Ed25519KeyPair
  /** Verified, unexpired cards of other members. */
  cards: () => CapabilityCard[]
  /**
   * Groups of a member: from its admission when connected, else from the
   * membership chain its verified card carries (a member we are not connected
   * to right now is still a candidate; dialling it goes through the gate).
   */
  memberGroups: (peerId: string) => string[] | undefined
  rttMs: (peerId: string) => number | undefined
  policy: PolicyEngine
  audit: AuditLog
  executor: Pick<TaskExecutor, 'runLocal' | 'load'>
  registry: TaskKindRegistry
  /** Models this node can serve itself. */
  localModels: () => string[]
  /** sha256 of the file this node serves under a model name, for tasks that pin one. */
  localModelDigest?: (model: string) => string | undefined
  /** The data class of a collection on this node: decides a task's effective class. */
  classOf: ClassOf
  /** The data class of a tool this node offers (undefined for one it does not): a local candidate, and the task's class. @default no tools */
  toolClassOf?: ToolClassOf
  /** Whether this node's memory holds a collection: a task naming one it lacks goes to members whose cards name it. @default every collection */
  holdsCollection?: (collection: string) => boolean
  /** Whether the org revoked this node: no member admits it, so it says so instead of failing to dial. */
  revoked: () => boolean
  /**
   * Where a task goes when no member offers it (the cloud fallback, which
   * applies the policy itself); it throws `noCandidate` when it cannot take
   * it either. @default none: no candidate is the end
   */
  fallback?: { serve: (task: { kind: string, model?: string, input: Record<string, unknown>, dataClass: DataClass, taskId: string, signal?: AbortSignal, onText?: (text: string) => void }, noCandidate: Error) => Promise<TaskOutput> }
}

export interface RouterInit extends TaskClientInit, HealthInit {}

export type RouteEvent =
  | { type: 'routed', taskId: string, executor: string, attempt: number }
  | { type: 'text', text: string }
  | { type: 'failover', from: string, reason: string }
  /** Output shown so far is void (a failed-over attempt diverged from it). */
  | { type: 'reset' }

export interface RunSpec {
  kind: string
  model?: string
  /** The kind's input, e.g. `{ prompt, maxTokens }`; encrypted to the executor. */
  input: Record<string, unknown>
  /** Made stricter by the collection's class. @default 'internal' */
  dataClass?: DataClass
  /** Pin one executor. */
  peer?: string
  /** Run on this node. */
  local?: boolean
  collection?: string
  tool?: string
  priority?: TaskPriority
  signal?: AbortSignal
  onEvent?: (e: RouteEvent) => void
  /** Extend (or start) a delegation chain for this task (protocol/chain). */
  chain?: ChainRequest
}

export interface RunResult {
  taskId: string
  executor: string
  output: unknown
  usage?: TaskUsage
  finishReason?: string
  /** Calls the model made (`llm.chat` with tools). */
  toolCalls?: ToolCall[]
  /** The stop sequence that ended a generation, one the caller gave. */
  stopSequence?: string
  attempts: number
}
