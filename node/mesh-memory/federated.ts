/**
 * Memory search across the organisation. An unpinned search asks this node
 * and every member whose card names a collection our outbound policy lets us
 * read, all at once, under one deadline, and fuses the ranked answers by
 * reciprocal rank fusion. Each member applies its own inbound policy and
 * never serves a `local-only` collection; a member that is late, down or
 * answers garbage costs at most the deadline and is named in `missed`.
 * A search for one collection goes to this node when it holds it, else to a
 * member whose card names it, and fails clearly when nobody does.
 *
 * @example
 * const mesh = meshMemory()({ self, localSearch, holds, cards, memberGroups, policy, run, logger })
 * const { hits, partial, missed } = await mesh.search('parental leave', { k: 5 })
 */
import type { Logger } from '../logger.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import { kindMatches } from '../policy/patterns.ts'
import { FEDERATED_DEADLINE_MS, MAX_FEDERATED_DEADLINE_MS, MAX_FEDERATED_MEMBERS, MEMBER_CANDIDATES, MEMORY_SEARCH_KIND } from './constants.ts'
import { CollectionNotHeldError } from './errors.ts'
import { fuseMemberHits, type FederatedHit, type MemberList } from './fuse.ts'
import { memberHits, type MemberHit } from './member-hits.ts'

export interface MeshRunSpec { kind: string, input: Record<string, unknown>, peer?: string, collection?: string, local?: boolean, signal: AbortSignal }

export interface MeshMemoryComponents {
  self: { peerId: string, name: () => string }
  /** This node's own search (a local caller reads every collection here). */
  localSearch: (query: string, opts: { k: number, collection?: string, signal: AbortSignal }) => Promise<MemberHit[]>
  /** Whether this node holds a collection. */
  holds: (collection: string) => boolean
  /** Verified, unexpired cards of the other members. */
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  policy: { decide: (req: { peerId: string, groups: readonly string[], kind: string, collection?: string, dataClass: DataClass, direction: 'outbound' }) => { allow: boolean } }
  /** Runs a task through the router (it audits, encrypts and checks policy). */
  run: (spec: MeshRunSpec) => Promise<{ executor: string, output?: unknown }>
  logger: Logger
}

export interface MeshSearchOptions {
  /** @default SEARCH_K */
  k?: number
  /** Search this collection only, on whoever holds it. */
  collection?: string
  /** Search this member only (peer id). */
  peer?: string
  /** @default FEDERATED_DEADLINE_MS */
  deadlineMs?: number
  signal?: AbortSignal
}

export interface MissedMember { node: string, peerId: string, reason: 'timeout' | 'unreachable' | 'refused' | 'failed', message: string }

export interface MeshAnswer {
  hits: FederatedHit[]
  /** Some member that should have answered did not (see `missed`). */
  partial: boolean
  missed: MissedMember[]
  /** Who was asked, and how many hits each gave. */
  members: Array<{ node: string, peerId: string, hits: number }>
}

interface Target { peerId: string, node: string, local: boolean }

export class MeshMemory {
  private readonly c: MeshMemoryComponents

  constructor (components: MeshMemoryComponents) {
    this.c = components
  }

  /** Members whose cards name a collection our outbound policy lets a search read, best known first. */
  targets (): Target[] {
    const out: Target[] = []
    for (const card of this.c.cards()) {
      if (card.peerId === this.c.self.peerId) continue
      const groups = this.c.memberGroups(card.peerId)
      if (groups == null || !card.taskKinds.includes(MEMORY_SEARCH_KIND)) continue
      if (!card.policy.kinds.some(p => kindMatches(p, MEMORY_SEARCH_KIND))) continue
      const readable = card.collections.some(col => col.classification !== 'local-only' &&
        this.c.policy.decide({ peerId: card.peerId, groups, kind: MEMORY_SEARCH_KIND, collection: col.name, dataClass: col.classification, direction: 'outbound' }).allow)
      if (readable) out.push({ peerId: card.peerId, node: card.name, local: false })
    }
    return out.slice(0, MAX_FEDERATED_MEMBERS)
  }

  /** Pinned to a member or a collection: one list; else every member that may answer, fused. */
  async search (query: string, opts: MeshSearchOptions = {}): Promise<MeshAnswer> {
    const k = opts.k ?? 5
    const self: Target = { peerId: this.c.self.peerId, node: this.c.self.name(), local: true }
    let targets: Target[]
    if (opts.peer != null) {
      targets = [opts.peer === self.peerId ? self : this.memberTarget(opts.peer)]
    } else if (opts.collection != null) {
      targets = this.holders(opts.collection, self)
      if (targets.length === 0) throw new CollectionNotHeldError(opts.collection)
      // this node's own collection of that name is the one its user means
      if (targets[0]?.local === true) targets = targets.slice(0, 1)
      else targets = targets.slice(0, 1).map(t => ({ ...t, peerId: '' }))
    } else {
      targets = [self, ...this.targets()]
    }
    const deadlineMs = Math.min(MAX_FEDERATED_DEADLINE_MS, opts.deadlineMs ?? FEDERATED_DEADLINE_MS)
    const deadline = AbortSignal.timeout(deadlineMs)
    const signal = opts.signal != null ? AbortSignal.any([opts.signal, deadline]) : deadline
    const n = targets.length > 1 ? Math.max(k, MEMBER_CANDIDATES) : k
    const settled = await Promise.all(targets.map(async t => await this.ask(t, query, { n, signal, ...(opts.collection != null ? { collection: opts.collection } : {}) })))
    opts.signal?.throwIfAborted()
    const lists: MemberList[] = []
    const missed: MissedMember[] = []
    for (const [i, r] of settled.entries()) {
      const t = targets[i] as Target
      if ('hits' in r) lists.push(r)
      else missed.push({ node: r.node || t.node, peerId: r.peerId || t.peerId, reason: deadline.aborted && r.reason !== 'refused' ? 'timeout' : r.reason, message: r.message })
    }
    return {
      hits: fuseMemberHits(lists, k),
      partial: missed.length > 0,
      missed,
      members: lists.map(l => ({ node: l.node, peerId: l.peerId, hits: l.hits.length }))
    }
  }

  private memberTarget (peerId: string): Target {
    const card = this.c.cards().find(c => c.peerId === peerId)
    return { peerId, node: card?.name ?? peerId, local: false }
  }

  /** This node first when it holds the collection, then members whose cards name it. */
  private holders (collection: string, self: Target): Target[] {
    const out: Target[] = this.c.holds(collection) ? [self] : []
    for (const card of this.c.cards()) {
      if (card.peerId === self.peerId || this.c.memberGroups(card.peerId) == null) continue
      if (card.collections.some(col => col.name === collection && col.classification !== 'local-only')) out.push({ peerId: card.peerId, node: card.name, local: false })
    }
    return out
  }

  /** One member's hits, or why there are none; never throws, never outlives the signal. */
  private async ask (t: Target, query: string, o: { n: number, collection?: string, signal: AbortSignal }): Promise<MemberList | Omit<MissedMember, 'node' | 'peerId'> & { node: string, peerId: string }> {
    try {
      if (t.local) {
        const hits = await untilAborted(this.c.localSearch(query, { k: o.n, signal: o.signal, ...(o.collection != null ? { collection: o.collection } : {}) }), o.signal)
        return { node: t.node, peerId: t.peerId, hits: hits.map(h => ({ text: h.text, source: h.source, score: h.score, collection: h.collection })) }
      }
      // an empty peer id: the router picks among the collection's holders by their cards
      const r = await untilAborted(this.c.run({
        kind: MEMORY_SEARCH_KIND,
        input: { query, k: o.n, ...(o.collection != null ? { collection: o.collection } : {}) },
        ...(t.peerId !== '' ? { peer: t.peerId } : {}),
        ...(o.collection != null ? { collection: o.collection } : {}),
        signal: o.signal
      }), o.signal)
      const peerId = t.peerId !== '' ? t.peerId : r.executor
      const node = t.peerId !== '' ? t.node : this.memberTarget(r.executor).node
      try {
        return { node, peerId, hits: memberHits(r.output, o.n) }
      } catch (err) {
        this.c.logger('refused the search answer of %s: %s', node, (err as Error).message)
        return { node, peerId, reason: 'refused', message: (err as Error).message.slice(0, 300) }
      }
    } catch (err) {
      if (err instanceof CollectionNotHeldError) throw err
      const e = err as Error & { code?: string }
      const reason = o.signal.aborted ? 'timeout' : /dial|closed|unreachable|unavailable|stalled/i.test(`${e.code ?? ''} ${e.name}`) ? 'unreachable' : 'failed'
      this.c.logger('no search answer from %s: %s', t.node, e.message)
      return { node: t.node, peerId: t.peerId, reason, message: o.signal.aborted ? 'No answer before the deadline' : e.message.slice(0, 300) }
    }
  }
}

/** The promise, or a rejection as soon as the signal aborts (a task that ignores its signal cannot hold the search). */
async function untilAborted<T> (p: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let off: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    off = () => { signal.removeEventListener('abort', onAbort) }
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    off?.()
    p.catch(() => {})
  }
}

/** The federated memory search factory, js-libp2p style. */
export function meshMemory () {
  return (components: MeshMemoryComponents): MeshMemory => new MeshMemory(components)
}
