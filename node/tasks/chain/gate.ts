/**
 * The executor's chain checks, for the wire and for local runs alike.
 * `verify` is the chain itself (protocol/chain verifyChain under this
 * node's depth limit, plus a replay guard on the last link); `authorize`
 * is policy against every principal on it — the origin member and each
 * node that issued a hop, through the same engine as the immediate peer,
 * and each agent through `agentDecision` — so a member cannot launder a
 * request through an agent or node with more rights (confused deputy).
 * Every decision is audited; a refusal is a `ChainRefusedError`.
 *
 * @example
 * const checked = gate.verify({ links: req.chain, from: peer, taskId: req.taskId, request })
 * await gate.authorize(checked.chain, { taskId, request }, pending)
 */
import { checkChain, ChainRefusedError, DEFAULT_MAX_CHAIN_DEPTH, type ChainLink, type ScopedRequest, type VerifiedChain } from '../../../protocol/chain/index.ts'
import { chainCrypto } from '../../../identity/chain-crypto.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import type { Decision } from '../../policy/types.ts'
import type { AuditLog } from '../../audit/log.ts'
import type { AuditValue } from '../../audit/entry.ts'
import { CHAIN_SEEN_MAX } from '../constants.ts'
import { chainAuditData } from './audit-data.ts'

export interface ChainRequestFacts extends ScopedRequest { model?: string }

/** Decides an agent principal on a chain; the agents module supplies one that reads `agent:` rules. */
export type AgentDecision = (who: { node: string, agent: string }, request: ChainRequestFacts) => Decision

export interface ChainGateComponents {
  self: () => string
  orgId: string
  policy: Pick<PolicyEngine, 'decide' | 'policy'>
  /** Groups of a member anywhere on a chain: connected, or known by its verified card; undefined for a non-member. */
  groupsOf: (peerId: string) => string[] | undefined
  audit: Pick<AuditLog, 'append'>
  /** @default every agent its node certified is allowed what its node is */
  agentDecision?: AgentDecision
}

export interface CheckedChain {
  chain: VerifiedChain
  /** What the audit log records of it (chainAuditData). */
  audit: Record<string, AuditValue>
}

const ALLOW_AGENT: AgentDecision = () => ({ allow: true, rule: 'agent-of-node', reason: 'the agent acts within its node\'s rights' })

/**
 * Agent principals decided by policy: another member's agent has what rules
 * give its node (peer or group) and what rules naming it give it
 * (`agents: ["NAME@PEER"]`), so a rule can deny one agent what its node may
 * do. This node's own agents act under their profile's tool patterns and
 * the node's own decision to run them.
 */
export function policyAgentDecision (c: { self: () => string, policy: Pick<PolicyEngine, 'decide'>, groupsOf: (peerId: string) => string[] | undefined }): AgentDecision {
  return (who, req) => {
    if (who.node === c.self()) return ALLOW_AGENT(who, req)
    const groups = c.groupsOf(who.node)
    if (groups == null) return { allow: false, rule: 'not-a-member', reason: `the node of agent ${who.agent} is not a member` }
    return c.policy.decide({
      peerId: who.node, groups, agent: { name: who.agent, node: who.node }, kind: req.kind, dataClass: req.dataClass, direction: 'inbound',
      ...(req.model != null ? { model: req.model } : {}), ...(req.tool != null ? { tool: req.tool } : {}), ...(req.collection != null ? { collection: req.collection } : {})
    })
  }
}

export class ChainGate {
  private readonly c: ChainGateComponents
  /** Nonces of last links seen, with their expiry: a link is bound to one request, used once. */
  private readonly seen = new Map<string, number>()

  constructor (components: ChainGateComponents) {
    this.c = components
  }

  /** This node's depth limit: the policy's `delegation.maxDepth`, else the default. */
  get maxDepth (): number {
    return this.c.policy.policy.delegation?.maxDepth ?? DEFAULT_MAX_CHAIN_DEPTH
  }

  /** Verifies a chain for a request from `from`; throws ChainRefusedError. */
  verify (opts: { links: readonly Uint8Array[], from: string, taskId: string, request: ScopedRequest }): CheckedChain {
    const { chain, links } = checkChain(opts.links, {
      org: this.c.orgId, self: this.c.self(), from: opts.from, taskId: opts.taskId, request: opts.request, crypto: chainCrypto, maxDepth: this.maxDepth
    })
    const last = links[links.length - 1] as ChainLink
    this.once(last)
    return { chain, audit: chainAuditData(last, chain.links[chain.links.length - 1] as Uint8Array) }
  }

  /**
   * Policy for every principal on the chain but this node and `checked` (the
   * immediate peer, which the caller decided already). Decisions join
   * `pending`; a denial throws ChainRefusedError('denied') once they are written.
   */
  async authorize (chain: VerifiedChain, opts: { taskId: string, request: ChainRequestFacts, checked?: string }, pending: Array<Promise<unknown>>): Promise<void> {
    const self = this.c.self()
    const req = opts.request
    let denied: Decision | undefined
    const record = (peer: string, principal: string, d: Decision): void => {
      pending.push(this.c.audit.append({ type: 'policy.decision', actor: self, peer, task: opts.taskId, data: { allow: d.allow, rule: d.rule, direction: 'inbound', kind: req.kind, principal, ...(req.tool != null ? { tool: req.tool } : {}) } }))
      if (!d.allow) denied ??= d
    }
    for (const { node, role } of nodePrincipals(chain)) {
      if (node === self || node === opts.checked) continue
      const groups = this.c.groupsOf(node)
      const d: Decision = groups == null
        ? { allow: false, rule: 'not-a-member', reason: `${node} on the chain is not a member` }
        : this.c.policy.decide({
          peerId: node, groups, kind: req.kind, dataClass: req.dataClass, direction: 'inbound',
          ...(req.model != null ? { model: req.model } : {}), ...(req.tool != null ? { tool: req.tool } : {}), ...(req.collection != null ? { collection: req.collection } : {})
        })
      record(node, role, d)
    }
    for (const hop of chain.hops) {
      if (hop.agent == null) continue
      record(hop.node, `agent:${hop.agent}`, (this.c.agentDecision ?? ALLOW_AGENT)({ node: hop.node, agent: hop.agent }, req))
    }
    if (denied == null) return
    await Promise.all(pending.splice(0))
    throw new ChainRefusedError('denied', `Delegation chain refused: ${denied.reason}`)
  }

  private once (last: ChainLink): void {
    const now = Date.now()
    if (this.seen.has(last.nonce)) throw new ChainRefusedError('replay')
    if (this.seen.size >= CHAIN_SEEN_MAX) for (const [n, exp] of this.seen) if (exp < now || this.seen.size >= CHAIN_SEEN_MAX) this.seen.delete(n)
    this.seen.set(last.nonce, last.expiresAt)
  }
}

/** The origin, then each node that issued a hop, each once. */
export function nodePrincipals (chain: VerifiedChain): Array<{ node: string, role: 'origin' | 'hop' }> {
  const out: Array<{ node: string, role: 'origin' | 'hop' }> = [{ node: chain.origin, role: 'origin' }]
  for (const h of chain.hops) if (!out.some(p => p.node === h.node)) out.push({ node: h.node, role: 'hop' })
  return out
}
