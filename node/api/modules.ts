/**
 * What the node's HTTP side needs of the node, as narrow modules (Lodestar's
 * `ApiModules`): each route group takes `Pick<ApiModules, ...>` of what it
 * uses and never the node itself, so the API can be built and tested over
 * any set of services that fill these interfaces. The shapes the control
 * API answers with (`StatusSummary`, `PeerSummary`, ...) are declared here,
 * next to the modules that produce them.
 */
import type { DataClass } from '../../protocol/task/messages.ts'
import type { RunResult, RunSpec } from '../tasks/index.ts'
import type { TaskOffer, TaskSummary } from '../tasks/index.ts'
import type { MemoryStore } from '../memory/store.ts'
import type { MeshMemory } from '../mesh-memory/index.ts'
import type { Policy } from '../policy/types.ts'
import type { PolicyReloadResult, PolicyReloadState } from '../policy/live.ts'
import type { AuditEntry } from '../audit/entry.ts'
import type { AuditVerifyResult } from '../audit/verify.ts'
import type { TraceNode } from '../audit/trace.ts'
import type { InviteSummary } from '../membership/invites.ts'
import type { PeerSummary } from '../net/peers.ts'
import type { MeshTool, MeshToolCall, MeshToolResult } from '../tools/index.ts'
import type { AgentProfile, AgentSpec } from '../agents/index.ts'
import type { PeerVerifyResult, WitnessWarning } from '../witness/index.ts'
import type { AddSource, SourceSummary, SyncReport } from '../sources/index.ts'
import type { MeshForgetReport } from '../tasks/kinds/memory-forget.ts'
import type { SessionService } from '../sessions/index.ts'

/** A connected member as `mycel peers` shows it (`net/peers.ts` builds it). */
export type { PeerSummary }

export interface StatusSummary {
  peerId: string
  name: string
  org: { name: string, id: string } | null
  addresses: string[]
  api: string
  peers: number
  uptimeMs: number
  /** Groups this node's certificate grants; none once it is revoked. */
  groups: string[]
  certExpiresAt: number | null
  admin: boolean
  /** The org revoked this node: no member admits it any more. */
  revoked: boolean
  cards: { known: number, rejected: Record<string, number> }
  revocationSeq: number
  /** Members this node witnesses, and those it caught signing two histories of their audit log (rolled back, forked, rewritten). */
  witness?: { witnessed: number, warnings: WitnessWarning[] }
  /** Set while `policy.json` holds an edit the node refused (the previous policy stays in force): why. */
  policyError?: string
}

/** One member's verified card as the API shows it (`cards/summary.ts`). */
export type CapSummary = Record<string, unknown>

/** This node's own view of itself and the mesh. */
export interface NodeModule {
  status: () => StatusSummary
  /** Connected, admitted members. */
  peers: () => Promise<PeerSummary[]>
  /** Verified cards of the members, this node's own included. */
  caps: () => CapSummary[]
}

export interface InviteRequest { uses?: number, ttlMs?: number, groups?: string[], addrs?: string[] }
export interface InviteCreated { invite: string, inviteId: string, expiresAt: number, uses: number, groups: string[] }

/** What only an admin node can do; each throws `NotAdminError` on other nodes. */
export interface AdminModule {
  /** Revokes a member and, unless `keepInvites`, the invites it redeemed (`membership/revoke.ts`). */
  revoke: (peerId: string, opts?: { keepInvites?: boolean, force?: boolean }) => Promise<{ seq: number, invites: string[] }>
  createInvite: (req: InviteRequest) => Promise<InviteCreated>
  /** The invites this node issued, newest first (`membership/invites.ts`). */
  listInvites: () => Promise<InviteSummary[]>
  revokeInvite: (inviteId: string) => Promise<{ seq: number, inviteId: string, alreadyRevoked: boolean }>
}

export interface CardsModule {
  /** Signs and spreads a fresh card now; undefined when the node does not publish cards. */
  republish: () => Promise<{ seq: number } | undefined>
}

/** Tasks through the router (routed, policy-checked, audited) and those this node runs. */
export interface TasksModule {
  run: (spec: RunSpec) => Promise<RunResult>
  /** Tasks this node sent, received and ran locally, in any order. */
  list: () => TaskSummary[]
  /** Cancels a running task by id, delegated or executed here; false when none runs. */
  cancel: (taskId: string) => boolean
  /** What the executor runs and holds waiting now, and how many run at once. */
  load: () => ExecutorLoad
  /** Every kind a task submitted here could reach now (this node's and members' the policy lets it send to). */
  offers: () => TaskOffer[]
}

export interface ExecutorLoad { running: number, queued: number, slots: number }

export interface PolicyModule {
  /** The policy in force now (it may be reloaded). */
  current: () => Policy
  /** Where it came from and whether the file on disk was refused. */
  file: () => PolicyReloadState
  /** Reads `policy.json` again now (it is also watched). */
  reload: () => Promise<PolicyReloadResult>
}

export type AuditModule = {
  tail: (n: number) => Promise<AuditEntry[]>
  verify: () => Promise<AuditVerifyResult>
  /** Proves the log consistent with every checkpoint of it the connected members hold (`audit verify --peers`). */
  verifyPeers: () => Promise<PeerVerifyResult>
  /**
   * Calls `listener` with every entry once it is written, until the returned
   * function is called. The audit log records every task step and policy
   * decision, so metrics follow it rather than each service growing hooks.
   */
  subscribe: (listener: (entry: AuditEntry) => void) => () => void
  /** Writes lingering entries and waits for every pending write (a scrape then counts all that ended before it). */
  settle: () => Promise<void>
  /** The entries about one task, oldest first (the log indexes them by task). */
  byTask: (taskId: string) => Promise<AuditEntry[]>
  /** The tree of tasks linked to one by delegation chains, from the entries this node holds. */
  trace?: (taskId: string) => Promise<TraceNode | undefined>
}

export type MemoryStoreApi = Pick<MemoryStore, 'ingest' | 'collections' | 'documents' | 'removeDocument' | 'removeCollection' | 'search' | 'reindex'>

export interface MemoryModule {
  /** The memory store, or undefined while memory is not open on this node. */
  store: () => MemoryStoreApi | undefined
  /** The data class of a collection (`internal` by default). */
  classOf: (collection: string) => DataClass
  setClass: (collection: string, dataClass: DataClass) => Promise<void>
  /** Re-reads collections and their classes for the card, after a change. */
  refresh: () => Promise<void>
  /** Search across the members holding collections this node may read. @default this node only */
  mesh?: Pick<MeshMemory, 'search'>
}

/**
 * This node's identity key, for documents it serves under its own name (the
 * A2A agent card's JWS). Signs exact bytes; the secret never leaves.
 */
export interface IdentityModule {
  /** Raw 32-byte Ed25519 public key (the one the peer id encodes). */
  publicKey: Uint8Array
  /** A 64-byte RFC 8032 signature of `bytes`. */
  sign: (bytes: Uint8Array) => Uint8Array
}

/** A registered model as the dashboard lists it. */
export interface ModelSummary {
  name: string
  sha256: string
  path: string
  architecture: string
  quantisation: string
  parameterCount: number
  contextLength: number
  sizeBytes: number
  /** In memory now (loaded by a task, unloaded after the keep-alive). */
  loaded: boolean
  /** On the org's signed model catalog (by digest). */
  approved: boolean
}

/** One model file the org's catalog approves. */
export interface CatalogEntrySummary { name: string, sha256: string, source: string, approvedAt: number }

/** The models registered in this node's home, as the runtime sees them. */
export interface ModelsModule {
  /** Every registered model; none on a node without inference. */
  list: () => Promise<ModelSummary[]>
  /** Registers a GGUF file the node can read (hashes it; the card follows within the model watch). */
  add: (path: string, opts: { name?: string, signal?: AbortSignal }) => Promise<ModelSummary>
  /** The org's model catalog as this node holds it. */
  catalog: () => { seq: number, models: CatalogEntrySummary[] }
  /**
   * Signs and spreads the next catalog with this file approved (admins only):
   * the digest given, or that of the file registered here under `name`.
   */
  approve: (name: string, opts: { sha256?: string, source?: string }) => Promise<CatalogEntrySummary>
  /** Takes a name or digest off the catalog (admins only); false when it was not on it. */
  withdraw: (nameOrSha256: string) => Promise<boolean>
}
/** Chat sessions with memory on this node (`sessions/`); ids are `NAME` or `PEER_ID/NAME`. */
export type SessionsModule = Pick<SessionService, 'turn' | 'list' | 'show' | 'remove' | 'search'>

/** The mesh's tools: this node's and those of the members' verified cards. */
export interface ToolsModule {
  list: () => MeshTool[]
  /** A `tool.call` task through the router: routed to a member offering the tool, or `peer`. */
  call: (req: MeshToolCall) => Promise<MeshToolResult>
}

export type { MeshTool, MeshToolCall, MeshToolResult }

/** The node's sources (`mycel sources`), kept in sync with memory collections. */
export interface SourcesModule {
  list: () => Promise<SourceSummary[]>
  add: (a: AddSource) => Promise<{ source: SourceSummary, sync: SyncReport }>
  sync: (id?: string) => Promise<SyncReport[]>
  remove: (id: string, opts?: { keep?: boolean }) => Promise<{ id: string, forgotten: unknown }>
}

/** Erasure of a source's documents here and, with `mesh`, on every member (`mycel memory forget`). */
export interface ForgetModule {
  forget: (input: { source?: string, match?: string, mesh?: boolean }, signal?: AbortSignal) => Promise<MeshForgetReport>
}

/** This node's agents (`node/agents`): profiles with their own keys; `agent.run` goes through `tasks`. */
export interface AgentsModule {
  list: () => AgentProfile[]
  get: (name: string) => AgentProfile | undefined
  create: (spec: AgentSpec) => Promise<AgentProfile>
  remove: (name: string) => Promise<AgentProfile>
}

export interface ApiModules {
  node: NodeModule
  admin: AdminModule
  cards: CardsModule
  tasks: TasksModule
  policy: PolicyModule
  audit: AuditModule
  memory: MemoryModule
  identity: IdentityModule
  models: ModelsModule
  tools: ToolsModule
  /** Absent where a node runs without sources. */
  sources?: SourcesModule
  forget?: ForgetModule
  /** Absent where the node has no agents service (API tests over a few modules). */
  agents?: AgentsModule
  sessions: SessionsModule
}
