/** The policy as the engine holds it, after the file was parsed and checked. */

export type DataClass = 'public' | 'internal' | 'confidential' | 'local-only'

/**
 * Whose request is being decided: `inbound` — a peer asks this node to run
 * work (`peerId` is the delegator); `outbound` — this node sends work to a
 * peer (`peerId` is the executor); `cloud` — this node would send work to
 * the external fallback endpoint.
 */
export type Direction = 'inbound' | 'outbound' | 'cloud'

/** A limit of `count` requests per `periodMs`, enforced as a token bucket with a burst of `count`. */
export interface Rate {
  count: number
  periodMs: number
  /** As written, e.g. `60/min`. */
  text: string
}

export interface PolicyRule {
  /** From the file, or `rule-N` (1-based position). */
  id: string
  /** Line of the rule in the policy file, when it came from one. */
  line?: number
  effect: 'allow' | 'deny'
  description?: string
  /** Peer ids, or `*` for any member. */
  peers: string[]
  /** Group names from membership certificates, or `*`. */
  groups: string[]
  /**
   * Agents, each scoped to its node: `NAME@PEER` (agent NAME of member
   * PEER), `*@PEER` (any agent of PEER), or `NAME` (agent NAME of this
   * node). Matches a request an agent issued (its chain's hop). @default none
   */
  agents?: string[]
  /** Task kind patterns: `echo`, `llm.*`, `*`. */
  kinds: string[]
  /** Model names, `prefix*` or `*`. */
  models: string[]
  /** Tool names, `prefix*` or `*`; empty allows none. */
  tools: string[]
  /** Memory collection names, `prefix*` or `*`; empty allows none. */
  collections: string[]
  /** Data classes the rule covers. */
  classes: DataClass[]
  direction: 'inbound' | 'outbound' | 'both'
}

export interface Policy {
  version: 1
  /** Where it came from: a file path, or `built-in founder default`. */
  source: string
  description?: string
  rules: PolicyRule[]
  dataClasses: {
    /** Classes that may be sent to another node of the org. */
    leaveNode: DataClass[]
    /** Classes that may be sent outside the org (cloud fallback). */
    leaveOrg: DataClass[]
  }
  /** Requests per period, per peer. */
  rateLimits: Limits
  quotas: {
    /** Model tokens (prompt and completion) per period, per peer, for work this node runs for others. */
    tokens: Limits
  }
  /** Which model files this node serves: any it holds, or only those on the org's signed catalog. */
  models: { require: 'any' | 'approved' }
  /** Delegation chains (protocol/chain): how deep a chain this node runs. Absent: DEFAULT_MAX_CHAIN_DEPTH. */
  delegation?: { maxDepth: number }
  cloudFallback: {
    enabled: boolean
    /** OpenAI-compatible base URL. */
    endpoint?: string
    kinds: string[]
    classes: DataClass[]
  }
}

/**
 * A limit per peer: the peer's own entry if it has one, else the most
 * generous entry among its groups, else `default`. Null means no limit.
 */
export interface Limits {
  default: Rate | null
  peers: Record<string, Rate | null>
  groups: Record<string, Rate | null>
}

export interface DecisionRequest {
  peerId: string
  /** The agent that issued the request, on its node, when an agent did. */
  agent?: { name: string, node: string }
  /** Groups of `peerId`'s verified membership certificate. */
  groups: readonly string[]
  kind: string
  model?: string
  tool?: string
  collection?: string
  dataClass: DataClass
  direction: Direction
}

export interface Decision {
  allow: boolean
  /** Id of the rule that decided, or `default-deny`, `local-only`, `data-classes`, `cloud-fallback`, `invalid-request`. */
  rule: string
  /** Line of that rule in the policy file, when it came from one. */
  line?: number
  /** One readable sentence, for the audit log and the CLI. */
  reason: string
}

export interface RateDecision {
  allow: boolean
  /** How long until the next request would be allowed; 0 when allowed. */
  retryAfterMs: number
}
