/**
 * Connected, admitted members as `mycel peers` shows them, and the
 * round-trip time the router scores by. The time is libp2p's own: its
 * connection monitor pings every open connection periodically and keeps
 * the last measure on `connection.rtt`.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import { withPeerId } from './addresses.ts'

export interface PeerSummary {
  peerId: string
  name: string | null
  addresses: string[]
  rttMs: number | null
  groups: string[]
}

interface PeersHost { getConnections: (peer?: PeerId) => Connection[] }

/** An admitted member, as the membership gate lists it. */
export interface AdmittedMember { peerId: string, groups: string[] }

/** The smallest round-trip time libp2p measured over the open connections to a peer, if any yet. */
export function rttOf (host: PeersHost, peerId: string): number | undefined {
  const times = host.getConnections(peerIdFromString(peerId)).flatMap(c => c.rtt != null ? [c.rtt] : [])
  return times.length > 0 ? Math.min(...times) : undefined
}

export function peerSummaries (host: PeersHost, members: AdmittedMember[], card: (peerId: string) => CapabilityCard | undefined): PeerSummary[] {
  return members.flatMap(m => {
    const conns = host.getConnections(peerIdFromString(m.peerId))
    if (conns.length === 0) return []
    const c = card(m.peerId)
    const addrs = [...conns.map(x => withPeerId(x.remoteAddr.toString(), m.peerId)), ...(c?.addrs.map(a => withPeerId(a, m.peerId)) ?? [])]
    return [{ peerId: m.peerId, name: c?.name ?? null, addresses: [...new Set(addrs)], rttMs: rttOf(host, m.peerId) ?? null, groups: m.groups }]
  })
}
