/**
 * node/net/: the node's libp2p side. `host.ts` builds the host (TCP, the
 * org's private network from `pnet.ts`, Noise, yamux, DHT, gossipsub) with
 * the membership guard in front of every protocol; `dialer.ts` keeps the
 * node connected to bootstrap and remembered members (`address-book.ts`);
 * `peers.ts` reads libp2p's own round-trip times, `rtt-probe.ts` measures a
 * newly admitted member's at once.
 *
 * @example
 * const host = await createHost({ privateKey, listen: ['/ip4/0.0.0.0/tcp/4001'], orgId, swarmKey, connectionGater, guard })
 * const book = addressBook()({ store, logger })
 * const d = dialer({ bootstrap })({ host, addressBook: book, cards, logger })
 */
export { createHost, type HostGuard, type HostInit, type MycelHost } from './host.ts'
export { privateNetwork } from './pnet.ts'
export { addressBook, AddressBook } from './address-book.ts'
export { dialer, Dialer, type DialerInit } from './dialer.ts'
export { memberAddrs, withPeerId } from './addresses.ts'
export { peerSummaries, rttOf, type PeerSummary } from './peers.ts'
export { rttProbe, RttProbe } from './rtt-probe.ts'
export { GossipedList, type GossipedListComponents, type Sequenced } from './gossiped-list.ts'
