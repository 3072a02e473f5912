/**
 * What this node, as a witness, holds of every member's audit log: the
 * latest verified checkpoint of each (sublevel `h`, peer id → signed
 * checkpoint bytes) and, for a member caught signing two histories, the
 * evidence (sublevel `w`, peer id → `CBOR({v, kind, held, offered, at})`,
 * both checkpoints as the peer signed them).
 *
 * `offer` is the whole check, serialised per peer: the signature against
 * the peer's own key (from its peer id, the one Noise authenticated), then
 * the comparison with the checkpoint held (`judgeCheckpoint`), asking the
 * peer for a consistency proof when the new one is larger. The held
 * checkpoint only ever moves forward along a proven history; an
 * inconsistent one is refused and kept as evidence, never held.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { bytes, literal, object, oneOf, parse, uint } from '../../protocol/shape.ts'
import type { WitnessRefusal } from '../../protocol/witness/messages.ts'
import { publicKeyFromPeerId } from '../../identity/peer-id.ts'
import { toHex } from '../../identity/bytes.ts'
import { openCheckpoint, judgeCheckpoint, type Checkpoint, type VerifyFn, type CheckpointVerdict, type Hash } from '../audit/index.ts'
import { MAX_WITNESS_CHECKPOINT_BYTES } from '../../protocol/witness/messages.ts'
import { MAX_WITNESS_WARNINGS } from './constants.ts'

type Db = AbstractLevel<any, any, any>
type Sub = AbstractSublevel<any, any, string, Uint8Array>

/** The inconsistencies a witness records: the peer signed two histories. */
export const INCONSISTENCY_KINDS = ['rolled-back', 'forked', 'rewritten'] as const
export type InconsistencyKind = typeof INCONSISTENCY_KINDS[number]

export interface CheckpointSummary { size: number, rootHash: string, time: string }

/** A member caught signing two histories, as `mycel status` shows it. */
export interface WitnessWarning {
  peer: string
  kind: InconsistencyKind
  /** The checkpoint held before (what the peer signed first). */
  held: CheckpointSummary
  /** The checkpoint it offered that does not fit. */
  offered: CheckpointSummary
  /** When it was caught (ms since the epoch). */
  at: number
  /** One line for people. */
  reason: string
}

export type OfferOutcome =
  | { accepted: true, verdict: 'new' | 'same' | 'extends', size: number }
  | { accepted: false, code: WitnessRefusal, reason: string, warning?: WitnessWarning, recorded: boolean }

/** Answers the peer's consistency proof from `fromSize` to the offered size. */
export type ProveFn = (fromSize: number) => Promise<Hash[]>

export interface WitnessStoreComponents {
  /** The node database; the store keeps its records in `witness` sublevels. */
  db: Db
  verify: VerifyFn
  /** @default Date.now */
  now?: () => number
}

const Evidence = object({
  v: literal(1),
  kind: oneOf(INCONSISTENCY_KINDS),
  held: bytes({ max: MAX_WITNESS_CHECKPOINT_BYTES }),
  offered: bytes({ max: MAX_WITNESS_CHECKPOINT_BYTES }),
  at: uint()
})

export function summarize (cp: Checkpoint): CheckpointSummary {
  return { size: cp.size, rootHash: toHex(cp.rootHash), time: new Date(cp.time).toISOString() }
}

const short = (s: CheckpointSummary): string => `${s.size} entries (root ${s.rootHash.slice(0, 16)}…, signed ${s.time})`

function describe (peer: string, kind: InconsistencyKind, held: CheckpointSummary, offered: CheckpointSummary): string {
  switch (kind) {
    case 'rolled-back': return `peer ${peer} rolled back its audit log: it signed ${short(offered)} after ${short(held)}`
    case 'forked': return `peer ${peer} forked its audit log: it signed two different logs of ${held.size} entries (roots ${held.rootHash.slice(0, 16)}… and ${offered.rootHash.slice(0, 16)}…)`
    case 'rewritten': return `peer ${peer} rewrote its audit log: ${short(offered)} does not extend ${short(held)}`
  }
}

export class WitnessStore {
  private readonly held: Sub
  private readonly evidence: Sub
  private readonly verify: VerifyFn
  private readonly now: () => number
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly warningsByPeer = new Map<string, WitnessWarning>()
  private heldCount = 0

  constructor (components: WitnessStoreComponents) {
    const sub = (name: string): Sub => components.db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' }) as Sub
    this.held = sub('witness-h')
    this.evidence = sub('witness-w')
    this.verify = components.verify
    this.now = components.now ?? Date.now
  }

  /** Reads the evidence recorded before (a warning outlives a restart) and counts the members held. */
  async load (): Promise<void> {
    this.warningsByPeer.clear()
    for await (const [peer, value] of this.evidence.iterator({ limit: MAX_WITNESS_WARNINGS })) {
      const warning = this.readEvidence(peer, value)
      if (warning != null) this.warningsByPeer.set(peer, warning)
    }
    let n = 0
    for await (const _ of this.held.keys()) n++
    this.heldCount = n
  }

  /** Members caught signing two histories, latest first. */
  warnings (): WitnessWarning[] {
    return [...this.warningsByPeer.values()].sort((a, b) => b.at - a.at)
  }

  /** How many members this node holds a checkpoint of. */
  get witnessed (): number { return this.heldCount }

  /** The checkpoint held of `peer` (signed bytes and what they say), or null. */
  async heldOf (peer: string): Promise<{ bytes: Uint8Array, checkpoint: Checkpoint } | null> {
    const value = await this.held.get(peer)
    if (value == null) return null
    return { bytes: new Uint8Array(value), checkpoint: openCheckpoint(value, publicKeyFromPeerId(peer), this.verify) }
  }

  /** Checks a checkpoint `peer` offered of its own log and keeps it if it extends the one held. */
  async offer (peer: string, bytes: Uint8Array, prove: ProveFn): Promise<OfferOutcome> {
    const run = async (): Promise<OfferOutcome> => await this.judge(peer, bytes, prove)
    const previous = this.queues.get(peer) ?? Promise.resolve()
    const result = previous.then(run, run)
    const tail = result.catch(() => {})
    this.queues.set(peer, tail)
    void tail.then(() => { if (this.queues.get(peer) === tail) this.queues.delete(peer) })
    return await result
  }

  private async judge (peer: string, bytes: Uint8Array, prove: ProveFn): Promise<OfferOutcome> {
    let offered: Checkpoint
    try {
      offered = openCheckpoint(bytes, publicKeyFromPeerId(peer), this.verify)
    } catch {
      return { accepted: false, code: 'forged', reason: `the checkpoint is not signed by ${peer}`, recorded: false }
    }
    const held = await this.heldOf(peer)
    let verdict: CheckpointVerdict = judgeCheckpoint(held?.checkpoint ?? null, offered)
    if (verdict === 'needs-proof' && held != null) verdict = judgeCheckpoint(held.checkpoint, offered, await prove(held.checkpoint.size))
    switch (verdict) {
      case 'new':
      case 'extends':
        await this.held.put(peer, bytes)
        if (verdict === 'new') this.heldCount++
        return { accepted: true, verdict, size: offered.size }
      case 'same':
        return { accepted: true, verdict, size: offered.size }
      case 'replayed':
        return { accepted: false, code: 'replayed', reason: `a checkpoint of ${offered.size} entries signed before the one held (${held?.checkpoint.size ?? 0} entries)`, recorded: false }
      case 'needs-proof':
        // unreachable: a larger checkpoint always gets its proof asked for above
        return { accepted: false, code: 'malformed', reason: 'no consistency proof', recorded: false }
      default:
        return await this.record(peer, verdict, held?.bytes as Uint8Array, held?.checkpoint as Checkpoint, bytes, offered)
    }
  }

  /**
   * Keeps the evidence of an inconsistency. The first one of a peer stays
   * recorded as found (`recorded: true` tells the caller to audit it); a
   * later one replaces it only when it is of another kind, so a member that
   * keeps offering its rewritten log is audited once, not every 30 s.
   */
  private async record (peer: string, kind: InconsistencyKind, heldBytes: Uint8Array, held: Checkpoint, offeredBytes: Uint8Array, offered: Checkpoint): Promise<OfferOutcome> {
    const before = this.warningsByPeer.get(peer)
    const at = this.now()
    const warning: WitnessWarning = { peer, kind, held: summarize(held), offered: summarize(offered), at, reason: describe(peer, kind, summarize(held), summarize(offered)) }
    const recorded = before == null || before.kind !== kind
    if (recorded) {
      await this.evidence.put(peer, encodeCbor({ v: 1, kind, held: heldBytes, offered: offeredBytes, at }))
      this.warningsByPeer.set(peer, warning)
    }
    return { accepted: false, code: kind, reason: warning.reason, warning, recorded }
  }

  private readEvidence (peer: string, value: Uint8Array): WitnessWarning | null {
    try {
      const e = parse(Evidence, decodeCbor(value, { maxBytes: 4 * MAX_WITNESS_CHECKPOINT_BYTES }), 'witness evidence')
      const key = publicKeyFromPeerId(peer)
      const held = summarize(openCheckpoint(e.held, key, this.verify))
      const offered = summarize(openCheckpoint(e.offered, key, this.verify))
      return { peer, kind: e.kind, held, offered, at: e.at, reason: describe(peer, e.kind, held, offered) }
    } catch {
      return null
    }
  }
}
