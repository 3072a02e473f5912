/**
 * Protocol ids of capability cards: the sync exchange with a newly admitted
 * member, the gossip topic, and the org's Kademlia DHT that holds provider
 * records per task kind. Org-scoped ids keep two orgs sharing a network
 * apart; a breaking wire change bumps the version.
 */

/** Fetching all verified cards and the revocation list a peer holds. */
export const SYNC_PROTOCOL = '/mycel/sync/1.0.0'

export function cardsTopic (orgId: string): string {
  return `/mycel/${orgId}/cards/1`
}

/** The org's DHT (libp2p kad-dht under its own protocol id, so it never joins a public DHT). */
export function dhtProtocol (orgId: string): string {
  return `/mycel/${orgId}/kad/1.0.0`
}
