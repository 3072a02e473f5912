/**
 * The agents of a node: profiles and keys (store.ts), each agent's chain
 * signer with its node → agent certificate, the card's list of agents, and
 * the `agent.run` kind over the loop. Profiles are read once at start and
 * kept in memory, so the card (read synchronously) and policy see the
 * agents without touching the database; create and remove update both and
 * ask for the card to be published again.
 *
 * @example
 * const agents = agentService({ keysDir, passphrase })({ db, nodeKey, self, audit })
 * tasks.register(agents.kind(() => kernel))
 * await agents.start()
 * await agents.create({ name: 'researcher', model: 'tiny', tools: ['fs.*'] })
 */
import { issueAgentCert } from '../../identity/agent-cert.ts'
import { sign, type Ed25519KeyPair } from '../../identity/keys.ts'
import type { CardAgent } from '../../protocol/cards/card.ts'
import { CARD_AGENT_DESCRIPTION_MAX_CHARS, CARD_AGENT_TOOLS_MAX, CARD_AGENTS_MAX } from '../../protocol/cards/card.ts'
import type { ChainSigner } from '../../protocol/chain/index.ts'
import type { AuditLog } from '../audit/log.ts'
import type { Logger } from '../logger.ts'
import type { TaskKindHandler } from '../tasks/registry.ts'
import { AGENT_PROFILE_AUDIT_TYPE } from './constants.ts'
import { agentRunKind, type AgentRunInput } from './kind.ts'
import type { KernelComponents } from './loop.ts'
import type { AgentProfile, AgentSpec } from './profile.ts'
import { AgentStore, type ProfileDb } from './store.ts'

export interface AgentServiceInit {
  /** Folder of the agents' key files (`<home>/agents`). */
  keysDir: string
  /** Encrypts agent keys at rest, as the node key. */
  passphrase?: string
  /** scrypt cost of key files. @default the keystore's */
  scryptLogN?: number
}

export interface AgentServiceComponents {
  db: ProfileDb
  /** The node key: it certifies each agent key. */
  nodeKey: Ed25519KeyPair
  /** This node's peer id. */
  self: string
  audit: Pick<AuditLog, 'append'>
  logger: Logger
  /** Called after the agents changed (the card lists them). @default nothing */
  onChange?: () => void
}

export class AgentService {
  private readonly c: AgentServiceComponents
  private readonly store: AgentStore
  private readonly profiles = new Map<string, AgentProfile>()
  private readonly signers = new Map<string, ChainSigner>()

  constructor (components: AgentServiceComponents, init: AgentServiceInit) {
    this.c = components
    this.store = new AgentStore({ db: components.db, keysDir: init.keysDir, ...(init.passphrase != null ? { passphrase: init.passphrase } : {}), ...(init.scryptLogN != null ? { scryptLogN: init.scryptLogN } : {}) })
  }

  async start (): Promise<void> {
    this.profiles.clear()
    for (const p of await this.store.list()) this.profiles.set(p.name, p)
  }

  async stop (): Promise<void> {
    this.signers.clear()
  }

  list (): AgentProfile[] {
    return [...this.profiles.values()].sort((a, b) => a.name < b.name ? -1 : 1)
  }

  get (name: string): AgentProfile | undefined {
    return this.profiles.get(name)
  }

  async create (spec: AgentSpec): Promise<AgentProfile> {
    const { profile, key } = await this.store.create(spec)
    this.profiles.set(profile.name, profile)
    this.signers.set(profile.name, this.signerOf(profile, key))
    await this.c.audit.append({ type: AGENT_PROFILE_AUDIT_TYPE, actor: this.c.self, data: { agent: profile.name, action: 'create', model: profile.model, tools: profile.tools, key: profile.publicKey } })
    this.c.onChange?.()
    return profile
  }

  async remove (name: string): Promise<AgentProfile> {
    const profile = await this.store.remove(name)
    this.profiles.delete(name)
    this.signers.delete(name)
    await this.c.audit.append({ type: AGENT_PROFILE_AUDIT_TYPE, actor: this.c.self, data: { agent: name, action: 'remove' } })
    this.c.onChange?.()
    return profile
  }

  /** The agent's chain signer: its key, and a certificate the node key issues for it. */
  async signer (name: string): Promise<ChainSigner | undefined> {
    const profile = this.profiles.get(name)
    if (profile == null) return undefined
    let signer = this.signers.get(name)
    if (signer == null) {
      signer = this.signerOf(profile, await this.store.key(name))
      this.signers.set(name, signer)
    }
    return signer
  }

  /** What the capability card lists: bounded counts and lengths. */
  cardAgents (): CardAgent[] {
    return this.list().slice(0, CARD_AGENTS_MAX).map(p => ({
      name: p.name,
      model: p.model,
      tools: p.tools.slice(0, CARD_AGENT_TOOLS_MAX),
      ...(p.description != null ? { description: p.description.slice(0, CARD_AGENT_DESCRIPTION_MAX_CHARS) } : {})
    }))
  }

  /** The `agent.run` kind over this node's agents and the kernel's components. */
  kind (kernel: () => KernelComponents): TaskKindHandler<AgentRunInput> {
    return agentRunKind({
      resolve: async (name) => {
        const profile = this.profiles.get(name)
        const signer = await this.signer(name)
        return profile != null && signer != null ? { profile, signer } : undefined
      },
      kernel,
      audit: this.c.audit,
      self: this.c.self
    })
  }

  private signerOf (profile: AgentProfile, key: Ed25519KeyPair): ChainSigner {
    const cert = issueAgentCert({ node: this.c.nodeKey, agent: key.publicKey, name: profile.name })
    return { name: profile.name, publicKey: key.publicKey, cert, sign: (msg) => sign(key.secretKey, msg) }
  }
}

export function agentService (init: AgentServiceInit): (components: AgentServiceComponents) => AgentService {
  return (components) => new AgentService(components, init)
}
