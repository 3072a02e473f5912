/**
 * What a task submitted on this node can reach: the kinds (with their models
 * and tools) this node serves itself, plus those of members whose verified
 * card offers them, whose own policy summary admits them, and that this
 * node's outbound policy lets it send (`internal` data, the default class).
 * It is the router's own candidate test, asked for every kind at once, so
 * a door that advertises the mesh (the A2A agent card) shows exactly what
 * `router.run` would find a candidate for.
 *
 * @example
 * reachableOffers(components) // → [{ kind: 'echo', models: [], tools: [], peers: ['12D3…'] }, …]
 */
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import { kindMatches } from '../../policy/patterns.ts'
import { TOOL_CALL_KIND } from '../../policy/constants.ts'
import { DEFAULT_TASK_CLASS } from '../data-class.ts'

export interface TaskOffer {
  kind: string
  /** Models the kind runs on somewhere reachable (llm kinds), sorted. */
  models: string[]
  /** Tools a `tool.call` may name on a reachable member, sorted. */
  tools: string[]
  /** Peers that would run it, this node included when it serves the kind. */
  peers: string[]
}

export interface OfferComponents {
  self: string
  /** Verified, unexpired cards of other members. */
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  policy: Pick<PolicyEngine, 'decide'>
  /** Kinds this node serves itself. */
  localKinds: () => string[]
  localModels: () => string[]
}

/** Kinds whose input names a model from the card's model list. */
const usesModels = (kind: string): boolean => kind.startsWith('llm.')

export function reachableOffers (c: OfferComponents): TaskOffer[] {
  const offers = new Map<string, { models: Set<string>, tools: Set<string>, peers: Set<string> }>()
  const offer = (kind: string): { models: Set<string>, tools: Set<string>, peers: Set<string> } => {
    let o = offers.get(kind)
    if (o == null) { o = { models: new Set(), tools: new Set(), peers: new Set() }; offers.set(kind, o) }
    return o
  }
  for (const kind of c.localKinds()) {
    const o = offer(kind)
    o.peers.add(c.self)
    if (usesModels(kind)) for (const m of c.localModels()) o.models.add(m)
  }
  for (const card of c.cards()) {
    if (card.peerId === c.self) continue
    const groups = c.memberGroups(card.peerId)
    if (groups == null) continue
    const allowed = (kind: string, extra: { model?: string, tool?: string } = {}): boolean =>
      c.policy.decide({ peerId: card.peerId, groups, kind, dataClass: DEFAULT_TASK_CLASS, direction: 'outbound', ...extra }).allow
    // a kind that names tools or models is reachable with those the outbound policy lets go to this member
    const named = (kind: string, key: 'tool' | 'model', names: string[]): void => {
      const ok = names.filter(name => allowed(kind, { [key]: name }))
      if (ok.length === 0) return
      const o = offer(kind)
      o.peers.add(card.peerId)
      for (const name of ok) (key === 'tool' ? o.tools : o.models).add(name)
    }
    for (const kind of card.taskKinds) {
      if (!card.policy.kinds.some(p => kindMatches(p, kind))) continue
      if (kind === TOOL_CALL_KIND) named(kind, 'tool', card.tools.map(t => t.name))
      else if (usesModels(kind)) named(kind, 'model', card.models.map(m => m.name))
      else if (allowed(kind)) offer(kind).peers.add(card.peerId)
    }
  }
  return [...offers.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, o]) => ({
    kind, models: [...o.models].sort(), tools: [...o.tools].sort(), peers: [...o.peers].sort()
  }))
}
