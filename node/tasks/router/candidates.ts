/**
 * Candidate executors for a task, best first. A member is a candidate when
 * its verified card offers the kind (and model, and tool) and its policy summary
 * admits the kind, and, for a task that reads a collection, its card names
 * that collection; this node is one when it serves the kind (and holds the
 * collection) itself. The
 * score is load (running + queued per slot, plus the tasks this node has
 * sent the member and not yet seen finish: the card's figure can be up to a
 * card interval old, this count is current), plus round-trip time (100 ms
 * weighs like one busy slot in ten), plus what experience charged the
 * member (see health.ts). `local-only` data has no remote candidate.
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
  /** Tasks this node has open on a member right now. @default none */
  inFlight?: (peerId: string) => number
}

/** What an unmeasured round trip counts as. */
const RTT_GUESS_MS = 50

export function rankCandidates (spec: CandidateSpec, c: ScoringComponents): Candidate[] {
  const out: Array<Candidate & { score: number }> = []
  const load = c.local(spec)
  if (load != null) out.push({ peerId: c.self, local: true, score: (load.running + load.queued) / Math.max(1, load.slots) })
  if (spec.dataClass !== 'local-only') {
    for (const card of c.cards()) {
      if (card.peerId === c.self || c.memberGroups(card.peerId) == null) continue
      if (!card.taskKinds.includes(spec.kind)) continue
      if (!card.policy.kinds.some(p => kindMatches(p, spec.kind))) continue
      if (spec.model != null && !card.models.some(m => m.name === spec.model && (spec.modelSha256 == null || m.sha256 === spec.modelSha256))) continue
      if (spec.tool != null && !card.tools.some(t => t.name === spec.tool)) continue
      if (spec.collection != null && !card.collections.some(col => col.name === spec.collection && col.classification !== 'local-only')) continue
      const busy = (card.load.running + card.load.queued + (c.inFlight?.(card.peerId) ?? 0)) / Math.max(1, card.load.slots)
      out.push({ peerId: card.peerId, card, local: false, score: busy + (c.rttMs(card.peerId) ?? RTT_GUESS_MS) / 1000 + c.penalty(card.peerId) })
    }
  }
  return out.sort((a, b) => a.score - b.score || Number(b.local) - Number(a.local)).map(({ score: _, ...cand }) => cand)
}
