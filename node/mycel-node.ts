/**
 * The running Mycel node as the rest of the program sees it: a facade over
 * services that `assembly/` built and started. It answers what the control
 * API and the CLI ask of the node as a whole (status, peers, caps, revoke)
 * and stops it; everything else lives in the service that owns it, reached
 * read-only through `services`.
 *
 * @example
 * const node = await createMycelNode({ home: '/home/me/.mycel', listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' })
 * const { peerId, peers } = node.status()
 * await node.services.router.run({ kind: 'echo', input: { prompt: 'hi' } })
 * await node.stop()
 */
import type { SourcesService } from './sources/index.ts'
import type { MemoryForget } from './tasks/kinds/memory-forget.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import type { HomePaths } from './home/home.ts'
import type { MycelHost } from './net/host.ts'
import { peerSummaries, type PeerSummary } from './net/peers.ts'
import type { MembershipGate } from './membership/gate.ts'
import type { NodeCredentials } from './membership/credentials.ts'
import type { RevocationStore } from './membership/revocation-store.ts'
import type { CertificateRenewal } from './membership/renewal.ts'
import type { CardService } from './cards/card-service.ts'
import { capSummary } from './cards/summary.ts'
import type { PolicyEngine } from './policy/engine.ts'
import type { LivePolicy } from './policy/live.ts'
import type { ObservedAuditLog } from './metrics/observed-audit-log.ts'
import type { PeerVerifyResult, WitnessService } from './witness/index.ts'
import type { Runtime } from './runtime/runtime.ts'
import type { ModelRegistry } from './runtime/registry.ts'
import type { TaskKindRegistry } from './tasks/registry.ts'
import type { LoadBeatService } from './load/index.ts'
import type { MeshMemory } from './mesh-memory/index.ts'
import type { TaskExecutor, TaskRouter } from './tasks/index.ts'
import type { InviteBook } from './membership/invite-book.ts'
import { revokeMember, type RevokeMemberInit, type RevokeMemberResult } from './membership/revoke.ts'
import type { NodeMemory } from './memory/node-memory.ts'
import type { CatalogStore } from './catalog/catalog-store.ts'
import type { MeshTools } from './tools/index.ts'
import type { AgentService } from './agents/index.ts'
import type { SessionService } from './sessions/index.ts'
import type { StatusSummary } from './api/modules.ts'

export type { PeerSummary } from './net/peers.ts'
export type { StatusSummary } from './api/modules.ts'

/** The finished services of a node, each started and stopped by the assembly. */
export interface NodeServices {
  readonly credentials: NodeCredentials
  readonly host: MycelHost
  readonly gate: MembershipGate
  readonly revocations: RevocationStore
  readonly renewal: CertificateRenewal
  readonly cards: CardService
  readonly policy: PolicyEngine
  /** Watches `policy.json` and reloads it into `policy`; reports a refused edit. */
  readonly policyFile: LivePolicy
  readonly audit: ObservedAuditLog
  /** Holds the members' audit checkpoints and offers this node's own to them. */
  readonly witness: WitnessService
  /** Proves this node's log consistent with every checkpoint of it the members hold. */
  readonly verifyPeers: () => Promise<PeerVerifyResult>
  readonly tasks: TaskKindRegistry
  readonly executor: TaskExecutor
  readonly router: TaskRouter
  /** Signed load beats this node sends and takes from members (node/load). */
  readonly loadBeats: LoadBeatService
  readonly memory: NodeMemory
  /** Memory search across the members holding collections this node may read. */
  readonly meshMemory: MeshMemory
  /** Chat sessions with memory, held in the node's database. */
  readonly sessions: SessionService
  /** This node's tools and those of the members' cards; calls them through the router. */
  readonly tools: MeshTools
  /** This node's agents: profiles, keys, and the `agent.run` kind. */
  readonly agents: AgentService
  /** Null on a node started without inference (`runtime: false`). */
  readonly runtime: Runtime | null
  /** The home's model registry, shared with the runtime (the CLI writes the same file). */
  readonly modelRegistry: ModelRegistry
  /** The org's admin-signed model catalog as this node holds it. */
  readonly catalog: CatalogStore
  /** The invites this admin node issued and who redeemed them; null on other nodes. */
  readonly invites: InviteBook | null
  /** Folders, repositories, mail and MCP resources kept in sync with memory (`mycel sources`). */
  readonly sources?: SourcesService
  /** Erasure here and across the mesh (`mycel memory forget`). */
  readonly forget?: MemoryForget
}

export interface NodeParts {
  paths: HomePaths
  services: NodeServices
  /** Where the control API answers, once listening. */
  apiUrl: () => string
  /** Stops every service in reverse order and releases the home; idempotent. */
  stop: () => Promise<void>
}

export class MycelNode {
  readonly paths: HomePaths
  readonly services: NodeServices
  private readonly parts: NodeParts
  private readonly startedAt = Date.now()

  constructor (parts: NodeParts) {
    this.parts = parts
    this.paths = parts.paths
    this.services = parts.services
  }

  get peerId (): string { return this.services.host.peerId.toString() }
  get name (): string { return this.services.credentials.name }
  get apiAddress (): string { return this.parts.apiUrl() }

  /** Whether the org's revocation list names this node or its certificate. */
  get revoked (): boolean {
    const { revocations, credentials } = this.services
    return revocations.isRevoked({ peerId: this.peerId, serial: credentials.serial })
  }

  status (): StatusSummary {
    const { host, gate, cards, revocations, credentials } = this.services
    const org = credentials.org
    const revoked = this.revoked
    return {
      peerId: this.peerId,
      name: credentials.name,
      org: { name: org.name, id: org.id },
      addresses: host.getMultiaddrs().map(String),
      api: this.apiAddress,
      peers: gate.listMembers().length,
      uptimeMs: Date.now() - this.startedAt,
      groups: revoked ? [] : org.groups,
      certExpiresAt: org.certExpiresAt,
      admin: org.admin && !revoked,
      revoked,
      cards: { known: cards.cards().length, rejected: cards.rejectedCounts() },
      revocationSeq: revocations.seq(),
      witness: { witnessed: this.services.witness.witnessed, warnings: this.services.witness.warnings() },
      ...(this.services.policyFile.status().error != null ? { policyError: this.services.policyFile.status().error } : {})
    }
  }

  /** Connected, admitted members, with libp2p's last measured round-trip time. */
  async peers (): Promise<PeerSummary[]> {
    const { host, gate, cards } = this.services
    return peerSummaries(host, gate.listMembers(), (id) => cards.card(id))
  }

  caps (): Array<Record<string, unknown>> {
    return this.services.cards.cards().map(({ card }) => capSummary(card, this.peerId))
  }

  /** Revokes a member and the invites it redeemed (admins only): signs a new revocation list and spreads it. */
  async revoke (peerId: string, opts: RevokeMemberInit = {}): Promise<RevokeMemberResult> {
    peerIdFromString(peerId)
    const { credentials, gate, revocations, invites } = this.services
    return await revokeMember({
      self: this.peerId,
      admin: credentials.admin(),
      revocations,
      members: () => gate.listMembers(),
      ...(invites != null ? { invites } : {})
    }, peerId, opts)
  }

  /** Stops everything in reverse order; safe to call twice. */
  async stop (): Promise<void> {
    await this.parts.stop()
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.stop()
  }
}
