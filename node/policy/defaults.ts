/** The policy a new org starts with, and how a policy is written back as a file. */
import { DATA_CLASSES, DEFAULT_LEAVE_NODE_CLASSES, DEFAULT_LEAVE_ORG_CLASSES, DEFAULT_RATE, MEMBERS_GROUP } from './constants.ts'
import { parseRate } from './patterns.ts'
import type { Limits, Policy, Rate } from './types.ts'

/**
 * The founder's default: members (group `members`) may run `llm.*` and
 * `echo` on each other with any model, for any data class that may leave the
 * node; no tools, no memory collections, no cloud; 120 requests a minute per
 * peer. Everything else is denied.
 */
export function defaultFounderPolicy (): Policy {
  return {
    version: 1,
    source: 'built-in founder default',
    description: 'Org members may run llm.* and echo tasks on each other; everything else is denied.',
    rules: [{
      id: 'members-llm-echo',
      effect: 'allow',
      description: 'Members run language-model and echo tasks on each other.',
      peers: [],
      groups: [MEMBERS_GROUP],
      kinds: ['llm.*', 'echo'],
      models: ['*'],
      tools: [],
      collections: [],
      classes: DATA_CLASSES.filter(c => c !== 'local-only'),
      direction: 'both'
    }],
    dataClasses: { leaveNode: [...DEFAULT_LEAVE_NODE_CLASSES], leaveOrg: [...DEFAULT_LEAVE_ORG_CLASSES] },
    rateLimits: { default: parseRate(DEFAULT_RATE) as Rate, peers: {}, groups: {} },
    quotas: { tokens: { default: null, peers: {}, groups: {} } },
    models: { require: 'any' },
    cloudFallback: { enabled: false, kinds: [], classes: [...DEFAULT_LEAVE_ORG_CLASSES] }
  }
}

/** The policy as file text (`loadPolicyFile` reads it back to the same policy). */
export function formatPolicy (policy: Policy): string {
  const rate = (r: Rate | null): string => r == null ? 'off' : r.text
  const entries = (m: Record<string, Rate | null>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, rate(v)]))
  const limits = (l: Limits): Record<string, unknown> => ({
    default: rate(l.default),
    peers: entries(l.peers),
    ...(Object.keys(l.groups).length > 0 ? { groups: entries(l.groups) } : {})
  })
  const hasLimits = (l: Limits): boolean => l.default != null || Object.keys(l.peers).length > 0 || Object.keys(l.groups).length > 0
  const file = {
    version: policy.version,
    ...(policy.description != null ? { description: policy.description } : {}),
    dataClasses: policy.dataClasses,
    rateLimits: limits(policy.rateLimits),
    ...(hasLimits(policy.quotas.tokens) ? { quotas: { tokens: limits(policy.quotas.tokens) } } : {}),
    ...(policy.models.require !== 'any' ? { models: policy.models } : {}),
    cloudFallback: {
      enabled: policy.cloudFallback.enabled,
      ...(policy.cloudFallback.endpoint != null ? { endpoint: policy.cloudFallback.endpoint } : {}),
      kinds: policy.cloudFallback.kinds,
      classes: policy.cloudFallback.classes
    },
    ...(policy.delegation != null ? { delegation: policy.delegation } : {}),
    rules: policy.rules.map(r => ({
      id: r.id,
      ...(r.description != null ? { description: r.description } : {}),
      effect: r.effect,
      ...(r.peers.length > 0 ? { peers: r.peers } : {}),
      ...(r.groups.length > 0 ? { groups: r.groups } : {}),
      ...(r.agents != null && r.agents.length > 0 ? { agents: r.agents } : {}),
      kinds: r.kinds,
      models: r.models,
      tools: r.tools,
      collections: r.collections,
      classes: r.classes,
      direction: r.direction
    }))
  }
  return JSON.stringify(file, null, 2) + '\n'
}
