/**
 * The policy engine: decides, default deny, every delegation in and out of
 * this node — who (peer or group) may run which task kinds, models, tools and
 * memory collections, which data classes may leave the node or the org,
 * per-peer rate limits, and the (off by default) cloud fallback. The file
 * format is in docs/policy.md.
 *
 * @example
 * const engine = policyEngine({ policy: await loadPolicyFile(home.policy) })({})
 * engine.decide({ peerId, groups: ['members'], kind: 'llm.chat', model: 'tiny', dataClass: 'internal', direction: 'inbound' })
 * // → { allow: true, rule: 'members-llm-echo', line: 9, reason: '…' }
 * engine.checkRate(peerId) // → { allow: true, retryAfterMs: 0 }
 */
export { PolicyEngine, policyEngine } from './engine.ts'
export type { PolicyEngineComponents, PolicyEngineInit } from './engine.ts'
export { loadPolicyFile, policyFromBytes } from './load.ts'
export { LivePolicy, livePolicy, type LivePolicyComponents, type LivePolicyInit, type PolicyReloadResult, type PolicyReloadState } from './live.ts'
export { parsePolicy } from './parse.ts'
export { defaultFounderPolicy, formatPolicy } from './defaults.ts'
export { describePolicy, kindsOpenToMembers, toolsOpenToMembers } from './describe.ts'
export type { PolicySummary } from './describe.ts'
export { kindMatches, parseRate } from './patterns.ts'
export type { DataClass, Decision, DecisionRequest, Direction, Policy, PolicyRule, Rate, RateDecision } from './types.ts'
export { InvalidPolicyError, PolicyFileNotFoundError } from './errors.ts'
export * from './constants.ts'
