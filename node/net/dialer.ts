/**
 * Keeps this node connected to the mesh: dials the bootstrap list and the
 * members remembered in the address book once everything is started, then
 * every `RECONNECT_INTERVAL_MS` redials the ones it is not connected to.
 * Being connected to some members is not enough: the one we miss may hold
 * the newer revocation list or cards. The address book follows the cards
 * this node holds, so a restarted node (the founder included, which has no
 * bootstrap list) finds the mesh again.
 *
 * A peer that was dialed and is still not connected at the next round (the
 * dial failed, or the peer's gate closed the connection at once) is tried
 * again after one round, then after twice as long each time, up to
 * `RECONNECT_BACKOFF_MAX_MS`; a fresh card from it (it is back, perhaps at a
 * new address) ends its wait. A revoked or
 * misconfigured node must not hammer members into their per-IP inbound
 * connection limit, which would shut out honest peers behind the same
 * address. A node that knows it is revoked stops redialing altogether.
 *
 * @example
 * const d = dialer({ bootstrap })({ host, addressBook, cards, logger })
 * await d.afterStart() // dials; redials on a libp2p repeating task
 * await d.stop()
 */
import { multiaddr } from '@multiformats/multiaddr'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import type { Logger } from '../logger.ts'
import type { MycelHost } from './host.ts'
import type { AddressBook } from './address-book.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import { memberAddrs, withPeerId } from './addresses.ts'
import { BOOTSTRAP_DIAL_TIMEOUT_MS, RECONNECT_BACKOFF_MAX_MS, RECONNECT_INTERVAL_MS } from '../constants.ts'

export interface DialerComponents {
  host: MycelHost
  addressBook: AddressBook
  /** The card service: members' cards, and word when one changes. */
  cards: {
    cards: () => Array<{ card: CapabilityCard }>
    addEventListener: (type: 'card:updated', listener: EventListener) => void
    removeEventListener: (type: 'card:updated', listener: EventListener) => void
  }
  logger: Logger
}

export interface DialerInit {
  /** Member multiaddrs (with /p2p/) to dial besides the remembered ones. @default [] */
  bootstrap?: string[]
  /** @default RECONNECT_INTERVAL_MS */
  reconnectIntervalMs?: number
  /** @default RECONNECT_BACKOFF_MAX_MS */
  backoffMaxMs?: number
  /** Whether the org's revocation list names this node: then there is no one to reconnect to. @default never */
  selfRevoked?: () => boolean
  /** @default Date.now */
  now?: () => number
}

/** Per peer: how many rounds in a row a dial did not leave us connected, and when to try next. */
interface Backoff { misses: number, nextAt: number }

export function dialer (init: DialerInit = {}) {
  return (components: DialerComponents) => new Dialer(components, init)
}

export class Dialer {
  private readonly c: DialerComponents
  private readonly bootstrap: string[]
  private readonly task: RepeatingTask
  private readonly intervalMs: number
  private readonly backoffMaxMs: number
  private readonly selfRevoked: () => boolean
  private readonly now: () => number
  private readonly backoff = new Map<string, Backoff>()
  /** Peers dialed in the last round and when, to see at the next one whether the dial held. */
  private dialed = new Map<string, number>()
  private saidRevoked = false
  private started = false
  /**
   * What each connected member said it listens on when libp2p identified it.
   * Its card says the same, but a card can arrive after the connection: a
   * member that restarted on a new address and connected to us would be
   * remembered at its old one if this node stopped before the card came,
   * and after both restarted neither could find the other.
   */
  private readonly identified = new Map<string, string[]>()
  private readonly onCard = (evt: CustomEvent<{ peerId: string }>): void => {
    if (evt.detail.peerId === this.self) return
    this.backoff.delete(evt.detail.peerId)
    this.c.addressBook.update(this.otherMemberAddrs())
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: { toString: () => string }, listenAddrs: Array<{ toString: () => string }> }>): void => {
    const peer = evt.detail.peerId.toString()
    const members = this.members()
    if (peer === this.self || !members.has(peer)) return
    this.identified.delete(peer)
    if (this.identified.size >= MAX_IDENTIFIED_PEERS) this.identified.delete(this.identified.keys().next().value as string)
    this.identified.set(peer, evt.detail.listenAddrs.slice(0, MAX_ADDRS_PER_PEER).map(a => withPeerId(a.toString(), peer)))
    this.c.addressBook.update(this.otherMemberAddrs(members))
  }

  constructor (components: DialerComponents, init: DialerInit) {
    this.c = components
    this.bootstrap = init.bootstrap ?? []
    this.intervalMs = init.reconnectIntervalMs ?? RECONNECT_INTERVAL_MS
    this.backoffMaxMs = init.backoffMaxMs ?? RECONNECT_BACKOFF_MAX_MS
    this.selfRevoked = init.selfRevoked ?? (() => false)
    this.now = init.now ?? Date.now
    this.task = repeatingTask(() => { this.reconnect() }, this.intervalMs)
  }

  private get self (): string { return this.c.host.peerId.toString() }

  start (): void {}

  /** Dials once every service is up, so a new connection meets every protocol handler. */
  afterStart (): void {
    if (this.started) return
    this.started = true
    this.dial([...this.bootstrap, ...this.c.addressBook.list()])
    this.c.cards.addEventListener('card:updated', this.onCard as EventListener)
    this.c.host.addEventListener('peer:identify', this.onIdentify as never)
    this.task.start()
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.task.stop()
    this.c.cards.removeEventListener('card:updated', this.onCard as EventListener)
    this.c.host.removeEventListener('peer:identify', this.onIdentify as never)
    this.c.addressBook.update(this.otherMemberAddrs())
  }

  /** Dials bootstrap and remembered members this node is not connected to and whose back-off has run out. */
  reconnect (): void {
    if (this.selfRevoked()) {
      if (!this.saidRevoked) this.c.logger('this node is revoked from the org: not reconnecting')
      this.saidRevoked = true
      return
    }
    const now = this.now()
    const connected = new Set(this.c.host.getConnections().map(c => c.remotePeer.toString()))
    for (const id of connected) this.backoff.delete(id)
    for (const [id, dialedAt] of this.dialed) {
      if (connected.has(id)) continue
      const misses = (this.backoff.get(id)?.misses ?? 0) + 1
      this.backoff.set(id, { misses, nextAt: dialedAt + Math.min(this.backoffMaxMs, this.intervalMs * 2 ** (misses - 1)) })
    }
    this.dialed = new Map()
    this.dial([...this.bootstrap, ...this.c.addressBook.list()].filter(a => {
      const id = peerOf(a)
      return id == null || (!connected.has(id) && (this.backoff.get(id)?.nextAt ?? 0) <= now)
    }))
  }

  /** How long, at most, until this node dials `peerId` again; 0 when it is due. */
  retryInMs (peerId: string): number {
    return Math.max(0, (this.backoff.get(peerId)?.nextAt ?? 0) - this.now())
  }

  private dial (addrs: string[]): void {
    for (const a of new Set(addrs)) {
      let ma
      try { ma = multiaddr(a) } catch { this.c.logger('ignoring malformed bootstrap address %s', a); continue }
      if (ma.getComponents().some(c => c.name === 'p2p' && c.value === this.self)) continue
      const id = peerOf(a)
      if (id != null) this.dialed.set(id, this.now())
      void this.c.host.dial(ma, { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) }).catch(err => { this.c.logger('bootstrap dial %s failed: %s', a, err.message) })
    }
  }

  private members (): Set<string> {
    return new Set(this.c.cards.cards().map(h => h.card.peerId))
  }

  /** Addresses of the other members this node holds cards of, what they said at identify first. */
  private otherMemberAddrs (members = this.members()): string[] {
    const own = new Set(this.c.host.getMultiaddrs().map(String))
    const identified = [...this.identified].filter(([peer]) => members.has(peer)).flatMap(([, addrs]) => addrs)
    return [...new Set([...identified, ...memberAddrs(this.c.host, this.c.cards)])].filter(a => !own.has(a) && !a.endsWith(`/p2p/${this.self}`))
  }
}

/** Members whose identify addresses are kept; the oldest go first. */
const MAX_IDENTIFIED_PEERS = 256
const MAX_ADDRS_PER_PEER = 8

function peerOf (addr: string): string | undefined {
  return /\/p2p\/([^/]+)$/.exec(addr)?.[1]
}
