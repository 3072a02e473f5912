/** `mycel policy show [--json]`: a summary a person can read and a script can parse. */
import type { Policy } from './types.ts'
import { kindMatches } from './patterns.ts'

export interface PolicySummary {
  source: string
  description?: string
  default: 'deny'
  rules: Array<{
    id: string
    line?: number
    effect: 'allow' | 'deny'
    who: string[]
    kinds: string[]
    models: string[]
    tools: string[]
    collections: string[]
    classes: string[]
    direction: string
    description?: string
  }>
  dataClasses: { leaveNode: string[], leaveOrg: string[], neverLeaves: ['local-only'] }
  rateLimits: { default: string, peers: Record<string, string> }
  cloudFallback: { enabled: boolean, endpoint?: string, kinds: string[], classes: string[] }
}

export function describePolicy (policy: Policy): PolicySummary {
  return {
    source: policy.source,
    ...(policy.description != null ? { description: policy.description } : {}),
    default: 'deny',
    rules: policy.rules.map(r => ({
      id: r.id,
      ...(r.line != null ? { line: r.line } : {}),
      effect: r.effect,
      who: [...r.groups.map(g => g === '*' ? 'any group' : `group ${g}`), ...r.peers.map(p => p === '*' ? 'any peer' : `peer ${p}`)],
      kinds: [...r.kinds],
      models: [...r.models],
      tools: [...r.tools],
      collections: [...r.collections],
      classes: [...r.classes],
      direction: r.direction,
      ...(r.description != null ? { description: r.description } : {})
    })),
    dataClasses: { leaveNode: [...policy.dataClasses.leaveNode], leaveOrg: [...policy.dataClasses.leaveOrg], neverLeaves: ['local-only'] },
    rateLimits: {
      default: policy.rateLimits.default?.text ?? 'off',
      peers: Object.fromEntries(Object.entries(policy.rateLimits.peers).map(([k, v]) => [k, v?.text ?? 'off']))
    },
    cloudFallback: {
      enabled: policy.cloudFallback.enabled,
      ...(policy.cloudFallback.endpoint != null ? { endpoint: policy.cloudFallback.endpoint } : {}),
      kinds: [...policy.cloudFallback.kinds],
      classes: [...policy.cloudFallback.classes]
    }
  }
}

/**
 * Of these task kinds, those an allow rule opens to every org member (the
 * `members` group or `*`) inbound: the policy summary a capability card
 * carries, so delegators skip nodes that would refuse them anyway.
 */
export function kindsOpenToMembers (policy: Policy, kinds: string[]): string[] {
  const rules = policy.rules.filter(r => r.effect === 'allow' && r.direction !== 'outbound' && (r.groups.includes('members') || r.groups.includes('*') || r.peers.includes('*')))
  return kinds.filter(k => rules.some(r => r.kinds.some(p => kindMatches(p, k))))
}
