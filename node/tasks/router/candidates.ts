/**
 * Candidate executors for a task, best first. A member is a candidate when
 * its verified card offers the kind (and model, and tool) and its policy summary
 * admits the kind, and, for a task that reads a collection, its card names
 * that collection; this node is one when it serves the kind (and holds the
 * collection) itself.
 *
 * The score estimates when a new task would finish there, in units of one
 * task's time on the fastest member: queue depth per slot plus one (a free
 * sequence starts it at once), times how much slower than the fastest
 * candidate the member generates this model (measured tokens/s; unmeasured
 * counts as fastest), less one; plus round-trip time (100 ms weighs like one
 * busy slot in ten), plus what experience charged the member (health.ts).
 * Load is the freshest figure the router holds (load-book.ts: a task
 * response, a load beat, else the card) with this node's tasks sent since.
 * `local-only` data has no remote candidate.
 *
 * @example
 * rankCandidates({ kind: 'echo', dataClass: 'internal' }, components)[0]?.peerId
 */
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import type { DataClass } from '../../../protocol/task/messages.ts'
import { kindMatches } from '../../policy/patterns.ts'

export interface Candidate { peerId: string, card?: CapabilityCard, local: boolean }

export interface CandidateSpec {
  kind: string
  model?: string
  /** The model file the task pins (`modelSha256`): only members whose card lists it under `model`. */
  modelSha256?: string
  /** A tool the task calls: only members whose card offers it are candidates. */
  tool?: string
  /** A memory collection the task reads: only members whose card names it are candidates. */
  collection?: string
  dataClass?: DataClass
}

export interface ScoringComponents {
  self: string
  /** Verified, unexpired cards of other members. */
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  rttMs: (peerId: string) => number | undefined
  /** Whether this node serves the kind (and model) itself, and its load. */
  local: (spec: CandidateSpec) => { running: number, queued: number, slots: number } | undefined
  penalty: (peerId: string) => number
  /** Work (running + queued) and slots on a member now, from the freshest figure. @default the card's */
  busy?: (peerId: string, card: CapabilityCard) => { work: number, slots: number }
  /** Tokens per second of a model on a member (or this node), if measured. @default none */
  rate?: (peerId: string, model: string) => number | undefined
}

/** What an unmeasured round trip counts as. */
const RTT_GUESS_MS = 50

export function rankCandidates (spec: CandidateSpec, c: ScoringComponents): Candidate[] {
  const found: Array<Candidate & { work: number, slots: number, extra: number }> = []
  const load = c.local(spec)
  if (load != null) found.push({ peerId: c.self, local: true, work: load.running + load.queued, slots: load.slots, extra: 0 })
  if (spec.dataClass !== 'local-only') {
    for (const card of c.cards()) {
      if (card.peerId === c.self || c.memberGroups(card.peerId) == null) continue
      if (!card.taskKinds.includes(spec.kind)) continue
      if (!card.policy.kinds.some(p => kindMatches(p, spec.kind))) continue
      if (spec.model != null && !card.models.some(m => m.name === spec.model && (spec.modelSha256 == null || m.sha256 === spec.modelSha256))) continue
      if (spec.tool != null && !card.tools.some(t => t.name === spec.tool)) continue
      if (spec.collection != null && !card.collections.some(col => col.name === spec.collection && col.classification !== 'local-only')) continue
      const busy = c.busy?.(card.peerId, card) ?? { work: card.load.running + card.load.queued, slots: card.load.slots }
      found.push({ peerId: card.peerId, card, local: false, ...busy, extra: (c.rttMs(card.peerId) ?? RTT_GUESS_MS) / 1000 + c.penalty(card.peerId) })
    }
  }
  const model = spec.model
  const rates = new Map(model == null || c.rate == null ? [] : found.flatMap(f => { const r = c.rate?.(f.peerId, model); return r != null && r > 0 ? [[f.peerId, r] as const] : [] }))
  const fastest = Math.max(0, ...rates.values())
  const scored = found.map(({ work, slots, extra, ...cand }) => {
    const slower = fastest > 0 ? fastest / (rates.get(cand.peerId) ?? fastest) : 1
    return { cand, score: (work / Math.max(1, slots) + 1) * slower - 1 + extra }
  })
  return scored.sort((a, b) => a.score - b.score || Number(b.cand.local) - Number(a.cand.local)).map(s => s.cand)
}
