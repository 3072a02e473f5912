/** How cards and members read in `mycel caps` / `mycel peers` and the dashboard. */
import type { CapabilityCard } from '../../protocol/cards/card.ts'

/** A multiaddr with its `/p2p/<peerId>` suffix, as users paste it. */
export function withPeerId (addr: string, peerId: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`
}

export function capSummary (card: CapabilityCard, self: string): Record<string, unknown> {
  return {
    peerId: card.peerId,
    name: card.name,
    seq: card.seq,
    expiresAt: card.expiresAt,
    taskKinds: card.taskKinds,
    models: card.models,
    tools: card.tools.map(t => t.name),
    collections: card.collections,
    hardware: card.hardware,
    load: card.load,
    roles: card.roles,
    self: card.peerId === self
  }
}
