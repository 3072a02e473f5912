/**
 * What experience says about other members: a card's claims (a model, a
 * kind, zero load) are checked by the answers a member gives. A malformed
 * answer or a failed claim adds a penalty to the member's score that halves
 * every half-life, so a liar sinks behind honest members at once and a
 * member that recovers is trusted again; broken transports are only
 * counted. `peerHealth()` shows the counts.
 *
 * @example
 * health.failed(peer, 'malformed'); health.penalty(peer) // 1, decaying
 */
import { PEER_FAILURE_PENALTY, PEER_PENALTY_HALF_LIFE_MS } from '../constants.ts'

export type PeerFailure = 'malformed' | 'claim' | 'transport'

export interface PeerHealth {
  peerId: string
  failures: Record<PeerFailure, number>
  /** Current penalty, in load units (1 = every slot busy). */
  penalty: number
  lastFailureAt: number
}

export interface HealthInit {
  /** @default PEER_FAILURE_PENALTY */
  failurePenalty?: number
  /** @default PEER_PENALTY_HALF_LIFE_MS */
  halfLifeMs?: number
  now?: () => number
}

const WEIGHT: Record<PeerFailure, number> = { malformed: 1, claim: 1, transport: 0 }

export class PeerHealthBook {
  private readonly peers = new Map<string, { failures: Record<PeerFailure, number>, penalty: number, at: number }>()
  private readonly failurePenalty: number
  private readonly halfLifeMs: number
  private readonly now: () => number

  constructor (init: HealthInit = {}) {
    this.failurePenalty = init.failurePenalty ?? PEER_FAILURE_PENALTY
    this.halfLifeMs = init.halfLifeMs ?? PEER_PENALTY_HALF_LIFE_MS
    this.now = init.now ?? Date.now
  }

  failed (peerId: string, failure: PeerFailure): void {
    const now = this.now()
    const p = this.peers.get(peerId) ?? { failures: { malformed: 0, claim: 0, transport: 0 }, penalty: 0, at: now }
    p.penalty = this.decayed(p.penalty, p.at, now) + WEIGHT[failure] * this.failurePenalty
    p.at = now
    p.failures[failure]++
    this.peers.set(peerId, p)
  }

  penalty (peerId: string): number {
    const p = this.peers.get(peerId)
    return p == null ? 0 : this.decayed(p.penalty, p.at, this.now())
  }

  list (): PeerHealth[] {
    return [...this.peers].map(([peerId, p]) => ({ peerId, failures: { ...p.failures }, penalty: this.penalty(peerId), lastFailureAt: p.at }))
  }

  private decayed (penalty: number, at: number, now: number): number {
    return penalty * 0.5 ** (Math.max(0, now - at) / this.halfLifeMs)
  }
}
