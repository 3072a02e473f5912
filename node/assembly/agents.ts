/**
 * The node's agents as the assembly wires them: the agent service over the
 * `agents` sublevel and `<home>/agents` key files, the `agent.run` kind
 * registered before the card first lists the kinds, and the loop's
 * components (router, mesh tools, the members' agents and models, each
 * offered only where this node's outbound policy would send the task),
 * connected once the router exists.
 */
import { join } from 'node:path'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import type { AuditLog } from '../audit/log.ts'
import type { NodeDb } from '../home/db.ts'
import type { Logger } from '../logger.ts'
import type { PolicyEngine } from '../policy/engine.ts'
import type { TaskKindRegistry } from '../tasks/registry.ts'
import { agentService, agentsConstants, type AgentService, type KernelComponents, type MeshAgent, type MeshModel, type ProfileDb } from '../agents/index.ts'

export interface LocalAgentsInit {
  db: NodeDb
  root: string
  passphrase?: string
  nodeKey: Ed25519KeyPair
  self: string
  audit: Pick<AuditLog, 'append'>
  tasks: TaskKindRegistry
  logger: Logger
  /** The card lists the agents: published again after a change. */
  onChange: () => void
}

export interface LocalAgents {
  service: AgentService
  /** Connects the loop to the router and the mesh (once they exist). */
  connect: (c: Omit<KernelComponents, 'self' | 'audit' | 'agents' | 'models'> & KernelSources) => void
}

export interface KernelSources {
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  policy: Pick<PolicyEngine, 'decide'>
}

export function openLocalAgents (init: LocalAgentsInit): LocalAgents {
  const service = agentService({ keysDir: join(init.root, 'agents'), ...(init.passphrase != null ? { passphrase: init.passphrase } : {}) })({
    db: init.db.sublevel<string, unknown>('agents', { valueEncoding: 'json' }) as unknown as ProfileDb,
    nodeKey: init.nodeKey,
    self: init.self,
    audit: init.audit,
    logger: init.logger,
    onChange: init.onChange
  })
  let kernel: KernelComponents | undefined
  init.tasks.register(service.kind(() => {
    if (kernel == null) throw new Error('The agent loop is not connected yet')
    return kernel
  }))
  return {
    service,
    connect: (c) => {
      const sendable = (card: CapabilityCard, kind: string, model?: string): boolean => {
        const groups = c.memberGroups(card.peerId)
        return groups != null && card.taskKinds.includes(kind) &&
          c.policy.decide({ peerId: card.peerId, groups, kind, ...(model != null ? { model } : {}), dataClass: 'internal', direction: 'outbound' }).allow
      }
      const others = (): CapabilityCard[] => c.cards().filter(card => card.peerId !== init.self)
      kernel = {
        self: init.self,
        router: c.router,
        tools: c.tools,
        audit: init.audit,
        ...(c.reader != null ? { reader: c.reader } : {}),
        agents: () => others().filter(card => sendable(card, agentsConstants.AGENT_RUN_KIND)).flatMap(card => (card.agents ?? []).map((a): MeshAgent => ({
          peer: card.peerId, peerName: card.name, name: a.name, model: a.model, tools: a.tools, ...(a.description != null ? { description: a.description } : {})
        }))),
        models: () => others().flatMap(card => card.models.filter(m => sendable(card, 'llm.chat', m.name)).map((m): MeshModel => ({ peer: card.peerId, peerName: card.name, name: m.name })))
      }
    }
  }
}
