/**
 * Keeps this node connected to the mesh: dials the bootstrap list and the
 * members remembered in the address book once everything is started, then
 * every `RECONNECT_INTERVAL_MS` redials the ones it is not connected to.
 * Being connected to some members is not enough: the one we miss may hold
 * the newer revocation list or cards. The address book follows the cards
 * this node holds, so a restarted node (the founder included, which has no
 * bootstrap list) finds the mesh again.
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
import { memberAddrs } from './addresses.ts'
import { BOOTSTRAP_DIAL_TIMEOUT_MS, RECONNECT_INTERVAL_MS } from '../constants.ts'

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
}

export function dialer (init: DialerInit = {}) {
  return (components: DialerComponents) => new Dialer(components, init)
}

export class Dialer {
  private readonly c: DialerComponents
  private readonly bootstrap: string[]
  private readonly task: RepeatingTask
  private started = false
  private readonly onCard = (evt: CustomEvent<{ peerId: string }>): void => {
    if (evt.detail.peerId !== this.self) this.c.addressBook.update(this.otherMemberAddrs())
  }

  constructor (components: DialerComponents, init: DialerInit) {
    this.c = components
    this.bootstrap = init.bootstrap ?? []
    this.task = repeatingTask(() => { this.reconnect() }, init.reconnectIntervalMs ?? RECONNECT_INTERVAL_MS)
  }

  private get self (): string { return this.c.host.peerId.toString() }

  start (): void {}

  /** Dials once every service is up, so a new connection meets every protocol handler. */
  afterStart (): void {
    if (this.started) return
    this.started = true
    this.dial([...this.bootstrap, ...this.c.addressBook.list()])
    this.c.cards.addEventListener('card:updated', this.onCard as EventListener)
    this.task.start()
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.task.stop()
    this.c.cards.removeEventListener('card:updated', this.onCard as EventListener)
    this.c.addressBook.update(this.otherMemberAddrs())
  }

  /** Dials bootstrap and remembered members this node is not connected to. */
  reconnect (): void {
    const connected = new Set(this.c.host.getConnections().map(c => c.remotePeer.toString()))
    this.dial([...this.bootstrap, ...this.c.addressBook.list()].filter(a => {
      const id = /\/p2p\/([^/]+)$/.exec(a)?.[1]
      return id == null || !connected.has(id)
    }))
  }

  private dial (addrs: string[]): void {
    for (const a of addrs) {
      let ma
      try { ma = multiaddr(a) } catch { this.c.logger('ignoring malformed bootstrap address %s', a); continue }
      if (ma.getComponents().some(c => c.name === 'p2p' && c.value === this.self)) continue
      void this.c.host.dial(ma, { signal: AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) }).catch(err => { this.c.logger('bootstrap dial %s failed: %s', a, err.message) })
    }
  }

  /** Addresses of the other members this node holds cards of. */
  private otherMemberAddrs (): string[] {
    const own = new Set(this.c.host.getMultiaddrs().map(String))
    return memberAddrs(this.c.host, this.c.cards).filter(a => !own.has(a) && !a.endsWith(`/p2p/${this.self}`))
  }
}
