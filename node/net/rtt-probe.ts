/**
 * One ping to a member as it is admitted, so the router scores it by a
 * measured round trip from the start instead of a guess until libp2p's
 * connection monitor first pings it (`RTT_PING_INTERVAL_MS`). The measure
 * lands where the monitor keeps its own: `connection.rtt`.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../logger.ts'
import { RTT_PROBE_TIMEOUT_MS } from '../constants.ts'

export interface RttProbeComponents {
  logger: Logger
  host: {
    getConnections: (peer?: PeerId) => Connection[]
    services: { ping: { ping: (peer: PeerId, o?: { signal?: AbortSignal }) => Promise<number> } }
  }
}

export class RttProbe {
  private readonly c: RttProbeComponents
  constructor (components: RttProbeComponents) { this.c = components }

  /** Pings a peer once and records the time on its connections that have none yet; never throws. */
  async measure (peerId: string): Promise<number | undefined> {
    try {
      const peer = peerIdFromString(peerId)
      const ms = await this.c.host.services.ping.ping(peer, { signal: AbortSignal.timeout(RTT_PROBE_TIMEOUT_MS) })
      for (const conn of this.c.host.getConnections(peer)) if (conn.rtt == null) conn.rtt = ms
      return ms
    } catch (err) {
      this.c.logger('rtt probe of %s failed: %s', peerId, (err as Error).message)
      return undefined
    }
  }
}

/** @example rttProbe()({ logger, host }).measure(peerId) */
export function rttProbe (): (components: RttProbeComponents) => RttProbe {
  return (components) => new RttProbe(components)
}
