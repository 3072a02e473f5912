/**
 * The executor service: the engine that runs handlers, the admission checks
 * and the wire server that faces delegators, built together over the
 * components they use. `start()` opens the protocol and the retention
 * sweep; `stop()` closes them and cancels unfinished tasks so their
 * delegators fail over. Both are idempotent.
 */
import { randomBytes } from 'node:crypto'
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from '../../logger.ts'
import type { DataClass } from '../../../protocol/task/messages.ts'
import type { EncryptionKeyPair } from '../../../protocol/e2e/index.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import type { AuditLog } from '../../audit/log.ts'
import type { TaskKindRegistry, TaskOutput, TaskPriority } from '../registry.ts'
import { DEFAULT_TASK_CLASS, type ClassOf, type ToolClassOf } from '../data-class.ts'
import { Admission, type AdmissionInit } from '../wire/admission.ts'
import type { ReplayStore } from '../wire/replay-store.ts'
import { TaskServer } from '../wire/server.ts'
import { TASK_SWEEP_INTERVAL_MS } from '../constants.ts'
import { TaskEngine, type EngineInit, type LocalRun, type TaskSummary } from './executor.ts'
import type { OutputCheck } from '../../guard/index.ts'
import { ChainGate, type AgentDecision } from '../chain/index.ts'
import { ChainRefusedError } from '../../../protocol/chain/index.ts'

export interface ExecutorComponents {
  logger: Logger
  host: {
    peerId: { toString: () => string }
    handle: (p: string, h: (s: Stream, c: Connection) => Promise<void>, o?: { maxInboundStreams?: number, maxOutboundStreams?: number }) => Promise<void>
    unhandle: (p: string) => Promise<void>
  }
  orgId: string
  /** Groups of an admitted member, or undefined for anyone else. */
  memberGroups: (peerId: string) => string[] | undefined
  encryptionKeys: EncryptionKeyPair
  registry: TaskKindRegistry
  policy: PolicyEngine
  audit: AuditLog
  /** The data class of a collection on this node; a request naming one is at least that strict. @default every collection `internal` */
  classOf?: ClassOf
  /** The data class of a tool's output on this node; a request naming one is at least that strict. @default no tools */
  toolClassOf?: ToolClassOf
  /** Message ids already seen, persisted until they expire so a replay is refused across restarts. */
  seen: ReplayStore
  /** Refuses results that would carry restricted memory text to a delegator (node/guard). @default no check */
  outputCheck?: OutputCheck
  /** Groups of a member named on a delegation chain, connected or not (its verified card). @default memberGroups */
  chainGroupsOf?: (peerId: string) => string[] | undefined
  /** Policy for an agent principal on a chain. @default an agent has its node's rights */
  agentDecision?: AgentDecision
  /** Whether a delegator reads `load` on task responses (node/load); it gets this node's load with each. @default none does */
  readsLoad?: (peerId: string) => boolean
}

/** A local run, optionally on a delegation chain this node extended (router). */
export interface LocalChainRun extends LocalRun {
  chain?: Uint8Array[]
  model?: string
  tool?: string
  collection?: string
}

export interface ExecutorInit extends EngineInit, AdmissionInit {
  /** How often finished tasks past their retention are swept. @default TASK_SWEEP_INTERVAL_MS */
  sweepIntervalMs?: number
}

export class TaskExecutor {
  private readonly engine: TaskEngine
  private readonly admission: Admission
  private readonly server: TaskServer
  private readonly chains: ChainGate
  private readonly audit: AuditLog
  private readonly self: () => string
  private readonly sweepIntervalMs: number
  private sweeper?: ReturnType<typeof setInterval>

  constructor (components: ExecutorComponents, init: ExecutorInit = {}) {
    const self = (): string => components.host.peerId.toString()
    const { logger, audit, registry } = components
    this.engine = new TaskEngine({ logger, self, registry, audit, ...(components.outputCheck != null ? { outputCheck: components.outputCheck } : {}) }, init)
    this.self = self
    this.audit = audit
    const groupsOf = components.chainGroupsOf ?? components.memberGroups
    this.chains = new ChainGate({ self, orgId: components.orgId, policy: components.policy, groupsOf, audit, ...(components.agentDecision != null ? { agentDecision: components.agentDecision } : {}) })
    this.admission = new Admission({ logger, self, orgId: components.orgId, audit, seen: components.seen }, init)
    this.server = new TaskServer({
      logger,
      host: components.host,
      self,
      memberGroups: components.memberGroups,
      encryptionKeys: components.encryptionKeys,
      registry,
      policy: components.policy,
      audit,
      classOf: components.classOf ?? (() => DEFAULT_TASK_CLASS),
      ...(components.toolClassOf != null ? { toolClassOf: components.toolClassOf } : {}),
      admission: this.admission,
      engine: this.engine,
      chains: this.chains,
      loadFor: (peer) => components.readsLoad?.(peer) === true ? this.engine.load() : undefined
    })
    this.sweepIntervalMs = init.sweepIntervalMs ?? TASK_SWEEP_INTERVAL_MS
  }

  async start (): Promise<void> {
    if (this.sweeper != null) return
    this.engine.start()
    this.admission.start()
    await this.server.start()
    this.sweeper = setInterval(() => { this.sweep() }, this.sweepIntervalMs)
    this.sweeper.unref()
  }

  /** Stops taking work; running tasks are canceled so their delegators fail over. */
  async stop (): Promise<void> {
    if (this.sweeper == null) return
    clearInterval(this.sweeper)
    this.sweeper = undefined
    await this.server.stop()
    this.engine.stop()
    await this.admission.stop()
  }

  load (): { running: number, queued: number, slots: number } { return this.engine.load() }

  list (): TaskSummary[] { return this.engine.list() }

  /** Runs a task on this node for a local caller: same handlers, same audit, no encryption. */
  async runLocal (opts: LocalChainRun): Promise<TaskOutput & { taskId: string }> {
    const { chain: links, model, tool, collection, ...run } = opts
    if (links == null) return await this.engine.runLocal(run)
    // the local path gets the wire's chain checks: a chain handed to this node's agent binds it here too
    const self = this.self()
    const taskId = opts.taskId ?? randomBytes(16).toString('hex')
    const request = { kind: opts.kind, dataClass: opts.dataClass, ...(model != null ? { model } : {}), ...(tool != null ? { tool } : {}), ...(collection != null ? { collection } : {}) }
    const pending: Array<Promise<unknown>> = []
    try {
      const checked = this.chains.verify({ links, from: self, taskId, request })
      await this.chains.authorize(checked.chain, { taskId, request }, pending)
      await Promise.all(pending)
      return await this.engine.runLocal({ ...run, taskId, chain: checked.chain, chainAudit: checked.audit })
    } catch (err) {
      if (!(err instanceof ChainRefusedError)) throw err
      await Promise.all(pending)
      await this.audit.append({ type: 'task.rejected', actor: self, peer: self, task: taskId, data: { code: err.code, reason: `chain-${err.reason}`, local: true } })
      throw err
    }
  }

  /** Cancels a local or executed task by id. */
  cancel (taskId: string): boolean { return this.engine.cancel(taskId) }

  /** Forgets finished tasks past their retention now (the timer does this every minute); returns how many went. */
  sweep (): number {
    void this.admission.flush()
    return this.engine.records.sweep()
  }

  /** What finished tasks keep for re-attach: count and output bytes. */
  retained (): { tasks: number, bytes: number } { return this.engine.records.retained() }
}

/** @example const executor = taskExecutor({ maxRunning: 4 })(components); await executor.start() */
export function taskExecutor (init: ExecutorInit = {}): (components: ExecutorComponents) => TaskExecutor {
  return (components) => new TaskExecutor(components, init)
}
