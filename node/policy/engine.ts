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
import { KIND, kindMatches, nameMatches } from './patterns.ts'
import type { Decision, DecisionRequest, Policy, PolicyRule, Rate, RateDecision } from './types.ts'

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
}

interface Bucket { tokens: number, at: number, rate: Rate }

const deny = (rule: string, reason: string, line?: number): Decision => line != null ? { allow: false, rule, line, reason } : { allow: false, rule, reason }

function ruleMatches (r: PolicyRule, req: DecisionRequest): boolean {
  const who = r.peers.includes('*') || r.peers.includes(req.peerId) || (r.groups.includes('*') && req.groups.length > 0) || r.groups.some(g => req.groups.includes(g))
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
    (req.model == null || short(req.model)) && (req.tool == null || short(req.tool)) && (req.collection == null || short(req.collection)) &&
    DATA_CLASSES.includes(req.dataClass) && ['inbound', 'outbound', 'cloud'].includes(req.direction)
}

export class PolicyEngine {
  private current: Policy
  private readonly log: Logger
  private readonly now: () => number
  private readonly maxPeers: number
  private readonly buckets = new Map<string, Bucket>()

  constructor (components: PolicyEngineComponents = {}, init: PolicyEngineInit = {}) {
    this.current = init.policy ?? defaultFounderPolicy()
    this.log = components.logger ?? createLogger('mycel:node:policy')
    this.now = init.now ?? (() => performance.now())
    this.maxPeers = init.maxTrackedPeers ?? MAX_TRACKED_PEERS
  }

  async start (): Promise<void> {}
  async stop (): Promise<void> { this.buckets.clear() }

  get policy (): Policy {
    return this.current
  }

  /** Swaps in a new policy (after `loadPolicyFile` succeeded); rate buckets start afresh. */
  setPolicy (policy: Policy): void {
    this.current = policy
    this.buckets.clear()
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
      if (!ruleMatches(r, req)) continue
      const what = `${req.kind}${req.model != null ? ` on ${req.model}` : ''}${req.tool != null ? ` tool ${req.tool}` : ''}${req.collection != null ? ` collection ${req.collection}` : ''}`
      const who = req.direction === 'inbound' ? `${req.peerId} may ${r.effect === 'allow' ? '' : 'not '}run ${what} here` : `${what} may ${r.effect === 'allow' ? '' : 'not '}be sent to ${req.peerId}`
      const reason = `${who} (${req.dataClass} data)`
      return r.effect === 'allow' ? { allow: true, rule: r.id, ...(r.line != null ? { line: r.line } : {}), reason } : deny(r.id, reason, r.line)
    }
    const groups = req.groups.length > 0 ? ` (groups ${req.groups.join(', ')})` : ' (no groups)'
    return deny('default-deny', `no rule allows ${req.direction} ${req.kind} with ${req.peerId}${groups}`)
  }

  /** Takes one request from `peerId`'s token bucket. */
  checkRate (peerId: string): RateDecision {
    const p = this.current.rateLimits
    const rate = Object.hasOwn(p.peers, peerId) ? p.peers[peerId] : p.default
    if (rate == null) return { allow: true, retryAfterMs: 0 }
    const now = this.now()
    let b = this.buckets.get(peerId)
    if (b == null || b.rate !== rate) {
      b = { tokens: rate.count, at: now, rate }
      if (this.buckets.size >= this.maxPeers) {
        const oldest = this.buckets.keys().next().value
        if (oldest != null) this.buckets.delete(oldest)
      }
    } else {
      this.buckets.delete(peerId) // re-insert below: the map stays ordered by last use
    }
    const perMs = rate.count / rate.periodMs
    b.tokens = Math.min(rate.count, b.tokens + (now - b.at) * perMs)
    b.at = now
    this.buckets.set(peerId, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return { allow: true, retryAfterMs: 0 }
    }
    return { allow: false, retryAfterMs: Math.max(1, Math.ceil((1 - b.tokens) / perMs)) }
  }
}

/** js-libp2p style factory: `policyEngine({ policy })(components)`. */
export function policyEngine (init: PolicyEngineInit = {}): (components: PolicyEngineComponents) => PolicyEngine {
  return (components) => new PolicyEngine(components, init)
}
