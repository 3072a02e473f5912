/**
 * The executors a task may go to, best first: this node alone for
 * `local-only` data or a local task, the pinned member (which must be a
 * member with a verified card), else the ranked candidates that offer its
 * kind, model, pinned digest, tool and (for memory tasks) collection.
 */
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import type { DataClass } from '../../../protocol/task/messages.ts'
import { NoCandidateError, PolicyDeniedError } from '../errors.ts'
import { MEMORY_KIND_PREFIX } from '../constants.ts'
import type { Candidate, CandidateSpec } from './candidates.ts'
import type { RunSpec } from './spec.ts'

export interface PickParts {
  self: string
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  candidates: (spec: CandidateSpec) => Candidate[]
}

/** @throws PolicyDeniedError for local-only data pinned elsewhere, NoCandidateError when nothing fits */
export function pick (parts: PickParts, spec: RunSpec, dataClass: DataClass): Candidate[] {
  const { self } = parts
  if (dataClass === 'local-only' || spec.local === true) {
    if (spec.peer != null && spec.peer !== self) throw new PolicyDeniedError('local-only data never leaves this node', 'local-only')
    return [{ peerId: self, local: true }]
  }
  if (spec.peer != null) {
    if (spec.peer === self) return [{ peerId: self, local: true }]
    const card = parts.cards().find(c => c.peerId === spec.peer)
    if (card == null || parts.memberGroups(spec.peer) == null) throw new NoCandidateError(`Peer ${spec.peer} is not a member with a verified card`)
    return [{ peerId: spec.peer, card, local: false }]
  }
  const pinned = typeof spec.input.modelSha256 === 'string' ? spec.input.modelSha256 : undefined
  // a memory task reading a collection goes to the members holding it, as their cards say
  // (other kinds name a collection only for its data class)
  const collection = spec.kind.startsWith(MEMORY_KIND_PREFIX) ? spec.collection : undefined
  const candidates = parts.candidates({ kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), ...(pinned != null ? { modelSha256: pinned } : {}), ...(spec.tool != null ? { tool: spec.tool } : {}), ...(collection != null ? { collection } : {}), dataClass })
  if (candidates.length === 0 && collection != null && parts.candidates({ kind: spec.kind, dataClass }).length > 0) {
    throw new NoCandidateError(`No member holds collection "${collection}"`)
  }
  if (candidates.length === 0) throw new NoCandidateError(`No member offers "${spec.kind}"${spec.model != null ? ` with model "${spec.model}"` : ''}${pinned != null ? ` (sha256 ${pinned.slice(0, 12)}…)` : ''}${spec.tool != null ? ` with tool "${spec.tool}"` : ''}`)
  return candidates
}
