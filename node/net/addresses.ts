/** Where members can be reached, as users paste it (`/…/p2p/<peerId>`). */
import type { CapabilityCard } from '../../protocol/cards/card.ts'

/** A multiaddr with its `/p2p/<peerId>` suffix. */
export function withPeerId (addr: string, peerId: string): string {
  return addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`
}

/** Multiaddrs of this node and of the members it holds cards of. */
export function memberAddrs (host: { getMultiaddrs: () => Array<{ toString: () => string }> }, cards: { cards: () => Array<{ card: CapabilityCard }> }): string[] {
  const own = host.getMultiaddrs().map(String)
  const others = cards.cards().flatMap(h => h.card.addrs.map(a => withPeerId(a, h.card.peerId)))
  return [...new Set([...own, ...others])]
}
