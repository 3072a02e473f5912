/** `mycel policy show [--json]`: a summary a person can read and a script can parse. */
import type { Limits, Policy, PolicyRule, Rate } from './types.ts'
import { TOOL_CALL_KIND } from './constants.ts'
import { kindMatches, nameMatches } from './patterns.ts'

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
    /**
     * What the rule does to tool calls, for rules whose kinds cover
     * `tool.call`: e.g. `allows tool.call of fs.*, code.run`, or `allows no
     * tool calls (names no tools)`. Absent for rules that do not cover it.
     */
    toolCalls?: string
    description?: string
  }>
  dataClasses: { leaveNode: string[], leaveOrg: string[], neverLeaves: ['local-only'] }
  rateLimits: LimitsSummary
  quotas: { tokens: LimitsSummary }
  models: { require: 'any' | 'approved' }
  cloudFallback: { enabled: boolean, endpoint?: string, kinds: string[], classes: string[] }
}

/** A limit as text per peer and group, e.g. `{ default: '120/min', peers: {}, groups: { eng: '600/min' } }`. */
export interface LimitsSummary { default: string, peers: Record<string, string>, groups: Record<string, string> }

function limitsSummary (l: Limits): LimitsSummary {
  const text = (m: Record<string, Rate | null>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v?.text ?? 'off']))
  return { default: l.default?.text ?? 'off', peers: text(l.peers), groups: text(l.groups) }
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
      who: [...r.groups.map(g => g === '*' ? 'any group' : `group ${g}`), ...r.peers.map(p => p === '*' ? 'any peer' : `peer ${p}`), ...(r.agents ?? []).map(a => `agent ${a}`)],
      kinds: [...r.kinds],
      models: [...r.models],
      tools: [...r.tools],
      collections: [...r.collections],
      classes: [...r.classes],
      direction: r.direction,
      ...(coversToolCalls(r) ? { toolCalls: toolCallsOf(r) } : {}),
      ...(r.description != null ? { description: r.description } : {})
    })),
    dataClasses: { leaveNode: [...policy.dataClasses.leaveNode], leaveOrg: [...policy.dataClasses.leaveOrg], neverLeaves: ['local-only'] },
    rateLimits: limitsSummary(policy.rateLimits),
    quotas: { tokens: limitsSummary(policy.quotas.tokens) },
    models: { ...policy.models },
    cloudFallback: {
      enabled: policy.cloudFallback.enabled,
      ...(policy.cloudFallback.endpoint != null ? { endpoint: policy.cloudFallback.endpoint } : {}),
      kinds: [...policy.cloudFallback.kinds],
      classes: [...policy.cloudFallback.classes]
    }
  }
}

const coversToolCalls = (r: PolicyRule): boolean => r.kinds.some(p => kindMatches(p, TOOL_CALL_KIND))

function toolCallsOf (r: PolicyRule): string {
  if (r.tools.length === 0) return r.effect === 'allow' ? 'allows no tool calls (names no tools)' : 'denies no tool calls (names no tools)'
  return `${r.effect === 'allow' ? 'allows' : 'denies'} ${TOOL_CALL_KIND} of ${r.tools.join(', ')}`
}

const openToMembers = (r: PolicyRule): boolean =>
  r.direction !== 'outbound' && (r.groups.includes('members') || r.groups.includes('*') || r.peers.includes('*'))

/**
 * Of these task kinds, those an allow rule opens to every org member (the
 * `members` group or `*`) inbound: the policy summary a capability card
 * carries, so delegators skip nodes that would refuse them anyway. A rule
 * opens `tool.call` only when it names tools.
 */
export function kindsOpenToMembers (policy: Policy, kinds: string[]): string[] {
  const rules = policy.rules.filter(r => r.effect === 'allow' && openToMembers(r))
  return kinds.filter(k => rules.some(r => r.kinds.some(p => kindMatches(p, k)) && (k !== TOOL_CALL_KIND || r.tools.length > 0)))
}

/**
 * Of these tools (`PROVIDER.TOOL`), those every org member may call inbound:
 * the first members-wide rule that covers `tool.call` and names the tool
 * decides, as the engine would. For the capability card's tool list.
 */
export function toolsOpenToMembers (policy: Policy, tools: string[]): string[] {
  const rules = policy.rules.filter(r => openToMembers(r) && coversToolCalls(r))
  return tools.filter(t => rules.find(r => r.tools.some(p => nameMatches(p, t)))?.effect === 'allow')
}
