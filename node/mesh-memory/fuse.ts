/**
 * Reciprocal rank fusion of the members' ranked hits (Cormack, Clarke &
 * Buettcher, SIGIR 2009): a hit scores the sum over lists of
 * 1 / (k + rank). Scores from different members (BM25 over different
 * corpora, fused scores) are not on one scale, ranks are. The same chunk text
 * from two members is one hit that both lists vote for; it keeps the
 * attribution of the list that ranked it best. Ties go to the higher score
 * the member gave, then to the node's name, so the order is stable.
 */
import { RRF_K } from '../memory/index.ts'
import type { MemberHit } from './member-hits.ts'

export interface FederatedHit extends MemberHit {
  /** The member that holds it: its card name. */
  node: string
  peerId: string
}

export interface MemberList { node: string, peerId: string, hits: MemberHit[] }

export function fuseMemberHits (lists: readonly MemberList[], k: number, rrfK = RRF_K): FederatedHit[] {
  const fused = new Map<string, { hit: FederatedHit, fused: number, best: number }>()
  for (const list of lists) {
    list.hits.forEach((h, i) => {
      const key = h.text.replace(/\s+/g, ' ').trim()
      const vote = 1 / (rrfK + i + 1)
      const seen = fused.get(key)
      if (seen == null) fused.set(key, { hit: { ...h, node: list.node, peerId: list.peerId }, fused: vote, best: i })
      else {
        seen.fused += vote
        if (i < seen.best) { seen.hit = { ...h, node: list.node, peerId: list.peerId }; seen.best = i }
      }
    })
  }
  return [...fused.values()]
    .sort((a, b) => b.fused - a.fused || b.hit.score - a.hit.score || a.hit.node.localeCompare(b.hit.node))
    .slice(0, k)
    .map(e => ({ ...e.hit, score: e.fused }))
}
