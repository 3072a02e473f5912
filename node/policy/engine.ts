/**
 * The policy engine: default deny, first matching rule wins, with two hard
 * rules no policy file can override — `local-only` data never crosses the
 * node boundary in either direction, and data goes to a peer or the cloud
 * only when its class may leave the node / the org. Rate limits are token
 * buckets per peer.
 */
import { createLogger, type Logger } from '../logger.ts'
import { DATA_CLASSES, MAX_TRACKED_PEERS, TOOL_CALL_KIND } from './constants.ts'
import { defaultFounderPolicy } from './defaults.ts'
import { agentMatches, KIND, kindMatches, nameMatches } from './patterns.ts'
import { TokenBuckets } from './buckets.ts'
import type { Decision, DecisionRequest, Limits, Policy, PolicyRule, Rate, RateDecision } from './types.ts'

export interface PolicyEngineComponents {
  /** @default createLogger('mycel:node:policy') (silent unless DEBUG=mycel:*) */
  logger?: Logger
}

export interface PolicyEngineInit {
  /** The policy to enforce. @default defaultFounderPolicy() */
  policy?: Policy
  /** Clock for rate limits, in milliseconds. @default performance.now */
  now?: () => number
  /** Peers whose rate buckets are remembered. @default 10000 (MAX_TRACKED_PEERS) */
  maxTrackedPeers?: number
  /** This node's peer id: a rule's bare agent name (`"agents": ["scout"]`) means this node's agent. @default none (bare names match nothing) */
  self?: string
}

const deny = (rule: string, reason: string, line?: number): Decision => line != null ? { allow: false, rule, line, reason } : { allow: false, rule, reason }

function ruleMatches (r: PolicyRule, req: DecisionRequest, self: string | undefined): boolean {
  const who = r.peers.includes('*') || r.peers.includes(req.peerId) || (r.groups.includes('*') && req.groups.length > 0) || r.groups.some(g => req.groups.includes(g)) ||
    (req.agent != null && (r.agents ?? []).some(a => agentMatches(a, req.agent as { name: string, node: string }, self)))
  if (!who) return false
  if (r.direction !== 'both' && r.direction !== req.direction) return false
  if (!r.kinds.some(p => kindMatches(p, req.kind))) return false
  if (!r.classes.includes(req.dataClass)) return false
  if (req.model != null && !r.models.some(p => nameMatches(p, req.model as string))) return false
  if (req.tool != null && !r.tools.some(p => nameMatches(p, req.tool as string))) return false
  // a tool call that names no tool would pass the tools check vacuously: no rule allows it
  if (req.tool == null && req.kind === TOOL_CALL_KIND && r.effect === 'allow') return false
  if (req.collection != null && !r.collections.some(p => nameMatches(p, req.collection as string))) return false
  return true
}

function validRequest (req: DecisionRequest): boolean {
  const short = (s: unknown): boolean => typeof s === 'string' && s.length > 0 && s.length <= 256
  return req != null &&
    short(req.peerId) && Array.isArray(req.groups) && req.groups.every(short) &&
    typeof req.kind === 'string' && KIND.test(req.kind) &&
    (req.agent == null || (short(req.agent.name) && short(req.agent.node))) &&
    (req.model == null || short(req.model)) && (req.tool == null || short(req.tool)) && (req.collection == null || short(req.collection)) &&
    DATA_CLASSES.includes(req.dataClass) && ['inbound', 'outbound', 'cloud'].includes(req.direction)
}

export class PolicyEngine {
  private current: Policy
  private readonly log: Logger
  private readonly now: () => number
  private readonly maxPeers: number
  private readonly self: string | undefined
  private readonly rates: TokenBuckets
  private readonly tokens: TokenBuckets

  constructor (components: PolicyEngineComponents = {}, init: PolicyEngineInit = {}) {
    this.current = init.policy ?? defaultFounderPolicy()
    this.log = components.logger ?? createLogger('mycel:node:policy')
    this.now = init.now ?? (() => performance.now())
    this.maxPeers = init.maxTrackedPeers ?? MAX_TRACKED_PEERS
    this.self = init.self
    this.rates = new TokenBuckets({ now: this.now, maxPeers: this.maxPeers })
    this.tokens = new TokenBuckets({ now: this.now, maxPeers: this.maxPeers })
  }

  async start (): Promise<void> {}
  async stop (): Promise<void> { this.rates.clear(); this.tokens.clear() }

  get policy (): Policy {
    return this.current
  }

  /**
   * Swaps in a new policy (after `loadPolicyFile` succeeded). Rate buckets
   * start afresh; token quotas keep what was used, so an edit (or a reload of
   * the same limits) does not hand every peer a new day's budget.
   */
  setPolicy (policy: Policy): void {
    this.current = policy
    this.rates.clear()
  }

  /**
   * Decides one delegation. Never throws: a malformed request is denied.
   * Only a rule whose `tools` match the request's `tool` allows a
   * `tool.call` (tools are opt-in: an allow rule without `tools` allows none,
   * and a `tool.call` that names no tool is allowed by no rule).
   */
  decide (req: DecisionRequest): Decision {
    const d = this.evaluate(req)
    this.log('%s %s %s from/to %s: %s (%s)', d.allow ? 'allow' : 'deny', req?.direction, req?.kind, req?.peerId, d.rule, d.reason)
    return d
  }

  private evaluate (req: DecisionRequest): Decision {
    if (!validRequest(req)) return deny('invalid-request', 'the request is malformed (peer, groups, kind, data class or direction)')
    const p = this.current
    if (req.dataClass === 'local-only') {
      return deny('local-only', `local-only data never leaves this node (${req.direction} ${req.kind} with ${req.peerId})`)
    }
    if (req.direction === 'cloud') {
      const cf = p.cloudFallback
      if (!cf.enabled) return deny('cloud-fallback', 'cloud fallback is off in the policy')
      if (!p.dataClasses.leaveOrg.includes(req.dataClass) || !cf.classes.includes(req.dataClass)) return deny('cloud-fallback', `${req.dataClass} data may not leave the org`)
      if (!cf.kinds.some(k => kindMatches(k, req.kind))) return deny('cloud-fallback', `cloud fallback does not cover ${req.kind}`)
      return { allow: true, rule: 'cloud-fallback', reason: `${req.kind} with ${req.dataClass} data may go to ${cf.endpoint ?? 'the cloud endpoint'}` }
    }
    if (req.direction === 'outbound' && !p.dataClasses.leaveNode.includes(req.dataClass)) {
      return deny('data-classes', `${req.dataClass} data may not leave this node (dataClasses.leaveNode)`)
    }
    for (const r of p.rules) {
      if (!ruleMatches(r, req, this.self)) continue
      const what = `${req.kind}${req.model != null ? ` on ${req.model}` : ''}${req.tool != null ? ` tool ${req.tool}` : ''}${req.collection != null ? ` collection ${req.collection}` : ''}`
      const who = req.direction === 'inbound' ? `${req.peerId} may ${r.effect === 'allow' ? '' : 'not '}run ${what} here` : `${what} may ${r.effect === 'allow' ? '' : 'not '}be sent to ${req.peerId}`
      const reason = `${who} (${req.dataClass} data)`
      return r.effect === 'allow' ? { allow: true, rule: r.id, ...(r.line != null ? { line: r.line } : {}), reason } : deny(r.id, reason, r.line)
    }
    const groups = req.groups.length > 0 ? ` (groups ${req.groups.join(', ')})` : ' (no groups)'
    return deny('default-deny', `no rule allows ${req.direction} ${req.kind} with ${req.peerId}${groups}`)
  }

  /** Takes one request from the rate bucket of `peerId` (its own limit, else its groups', else the default). */
  checkRate (peerId: string, groups: readonly string[] = []): RateDecision {
    const rate = limitFor(this.current.rateLimits, peerId, groups)
    return rate == null ? ALLOWED : this.rates.take(peerId, rate)
  }

  /** Whether `peerId` has model tokens left in its quota for work run here (taking none). */
  checkTokens (peerId: string, groups: readonly string[] = []): RateDecision {
    const rate = limitFor(this.current.quotas.tokens, peerId, groups)
    return rate == null ? ALLOWED : this.tokens.peek(peerId, rate)
  }

  /** Charges model tokens used by a task run for `peerId` to its quota. */
  chargeTokens (peerId: string, groups: readonly string[], n: number): void {
    const rate = limitFor(this.current.quotas.tokens, peerId, groups)
    if (rate != null && n > 0) this.tokens.charge(peerId, rate, n)
  }
}

const ALLOWED: RateDecision = { allow: true, retryAfterMs: 0 }

/** The peer's own entry, else the most generous of its groups' entries, else the default. */
function limitFor (limits: Limits, peerId: string, groups: readonly string[]): Rate | null {
  if (Object.hasOwn(limits.peers, peerId)) return limits.peers[peerId] ?? null
  let best: Rate | null | undefined
  for (const g of groups) {
    if (!Object.hasOwn(limits.groups, g)) continue
    const r = limits.groups[g] ?? null
    if (r == null) return null // a group without a limit is the most generous of all
    if (best == null || r.count / r.periodMs > best.count / best.periodMs) best = r
  }
  return best !== undefined ? best : limits.default
}

/** js-libp2p style factory: `policyEngine({ policy })(components)`. */
export function policyEngine (init: PolicyEngineInit = {}): (components: PolicyEngineComponents) => PolicyEngine {
  return (components) => new PolicyEngine(components, init)
}
