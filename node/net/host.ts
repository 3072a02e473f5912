/**
 * Assembles the libp2p host every Mycel node runs: TCP, the org's pre-shared
 * key as the outer fence (libp2p private network), Noise, yamux, identify,
 * ping, a Kademlia DHT on an org-scoped protocol id, and gossipsub.
 *
 * The host knows nothing about membership; the gate service closes
 * connections that do not prove it (see `membership/gate.ts`).
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { raceSignal } from 'race-signal'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { gossipsub } from '@libp2p/gossipsub'
import type { ConnectionGater, PrivateKey, StreamMiddleware } from '@libp2p/interface'
import { dhtProtocol } from '../../protocol/cards/ids.ts'
import { privateNetwork } from './pnet.ts'
import { GOSSIP_MESH, RTT_PING_INTERVAL_MS } from '../constants.ts'

/**
 * Inbound connections from this machine skip libp2p's per-host limits (5 new
 * connections a second, 10 pending upgrades). Those limits fence off floods
 * from one remote address; a process on this machine can do anything a flood
 * could anyway, and several members on one machine (tests, benches, a
 * developer's laptop) otherwise reset each other's joins and reconnects.
 * Remote addresses keep the limits, and every connection still has to pass
 * the pre-shared key and the membership gate.
 */
export const LOOPBACK_ALLOW = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']

export interface HostInit {
  privateKey: PrivateKey
  listen: string[]
  /** The org id (short hash of its root key); scopes the DHT protocol. */
  orgId?: string
  /** The pnet swarm key file bytes; without it the host is not in a private network (pre-join). */
  swarmKey?: Uint8Array
  connectionGater?: ConnectionGater
  /** Runs before every protocol stream, both ways, whenever its handler was registered. */
  guard?: HostGuard
}

export interface HostGuard {
  middleware: StreamMiddleware
  /** Protocols the guard does not cover (those that admit a peer in the first place). */
  open: string[]
}

export type MycelHost = Libp2p<{
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
  dht: ReturnType<ReturnType<typeof kadDHT>>
  pubsub: ReturnType<ReturnType<typeof gossipsub>>
}>

export async function createHost (init: HostInit): Promise<MycelHost> {
  const orgId = init.orgId ?? 'unjoined'
  const host: MycelHost = await createLibp2p({
    privateKey: init.privateKey,
    start: false,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.swarmKey != null ? { connectionProtector: privateNetwork({ psk: init.swarmKey }) } : {}),
    ...(init.connectionGater != null ? { connectionGater: init.connectionGater } : {}),
    connectionManager: { maxConnections: 256, allow: LOOPBACK_ALLOW },
    // the monitor's pings give the router each member's RTT; a ping that fails on a busy node (its deadline
    // passed, or it met the probe's own ping) must not drop a working connection: the reconnect, admission
    // and card sync that follow cost far more than the ping saved, and under load they fed each other into
    // constant churn (the scale bench). yamux's keep-alive still ends a dead connection.
    connectionMonitor: { pingInterval: RTT_PING_INTERVAL_MS, abortConnectionOnPingFailure: false },
    services: {
      identify: identify(),
      // the connection monitor and the admission RTT probe may ping one connection at the same moment
      ping: ping({ maxOutboundStreams: 2, maxInboundStreams: 4 }),
      dht: kadDHT({
        protocol: dhtProtocol(orgId),
        clientMode: false,
        // members talk over loopback and private LANs: keep every address
        peerInfoMapper: passthroughMapper,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // cards and revocations must reach peers that join late
        floodPublish: true,
        // the publisher floods every member it is connected to (nearly all of an org), so the mesh only repairs the
        // gaps: every receiver forwards each message to its mesh peers, and at the defaults (6, up to 12) those
        // copies were most of the bytes a 64-member mesh sent (GOSSIP_MESH in constants.ts)
        ...GOSSIP_MESH,
        // without it every copy of a message is signature-checked before it is found a duplicate (a third of a
        // resting 64-member process's CPU): the same id gossipsub derives after the check (publisher and
        // sequence number), taken from the raw message. Only a message that passed the check enters the cache.
        fastMsgIdFn: fastMessageId,
        // every peer here passed the membership gate, and members share addresses (one host, one LAN, one NAT):
        // the IP-colocation penalty would graylist everyone past ten members per address and stop all gossip
        scoreParams: { IPColocationFactorWeight: 0 }
      })
    }
  })
  patchRegistrar((host as unknown as { components: { registrar: MiddlewareRegistrar } }).components.registrar, init.guard)
  honourDialSignal(host)
  return host
}

/** Publisher and sequence number of a raw gossip message, as text: its id under gossipsub's StrictSign policy. */
export function fastMessageId (msg: { from?: Uint8Array, seqno?: Uint8Array }): string {
  return `${msg.from != null ? Buffer.from(msg.from).toString('base64') : ''}/${msg.seqno != null ? Buffer.from(msg.seqno).toString('base64') : ''}`
}

/**
 * libp2p 3.3's `dialProtocol` can stay pending past its signal: with many
 * members stopping at once, a dial that joined one already under way
 * waited on it for minutes, so a witness exchange (10 s deadline) and with
 * it the node's stop never ended. Lodestar races its dials against the
 * signal for the same reason (ChainSafe/lodestar#1277); so does every
 * protocol here, in one place. A stream that still opens after the caller
 * gave up is aborted at once.
 */
export function honourDialSignal (host: Pick<Libp2p, 'dialProtocol'>): void {
  const dialProtocol = host.dialProtocol.bind(host)
  host.dialProtocol = async (peer, protocols, options) => {
    const pending = dialProtocol(peer, protocols, options)
    if (options?.signal == null) return await pending
    try {
      return await raceSignal(pending, options.signal)
    } catch (err) {
      void pending.then(stream => { stream.abort(err as Error) }, () => {})
      throw err
    }
  }
}

interface MiddlewareRegistrar { getMiddleware: (protocol: string) => StreamMiddleware[] }

/**
 * libp2p 3.3 pushes the protocol handler onto the registrar's stored
 * middleware array on every inbound stream, so once middleware is set the
 * handler would run again for each later stream: hand out a copy instead.
 * The guard goes in front of every protocol here, at the one place libp2p
 * asks for middleware, so a handler registered at any time is covered (no
 * later "guard what is registered now" step to forget).
 */
function patchRegistrar (registrar: MiddlewareRegistrar, guard: HostGuard | undefined): void {
  const original = registrar.getMiddleware.bind(registrar)
  const open = new Set(guard?.open ?? [])
  registrar.getMiddleware = (protocol: string) => guard == null || open.has(protocol) ? [...original(protocol)] : [guard.middleware, ...original(protocol)]
}
