/**
 * One org-wide, admin-signed, sequence-numbered record as this node knows it
 * (the revocation list, the model catalog): persisted, spread by gossip on
 * its own topic, fetched from peers on connect through the card sync, and
 * replaced only by a verified record with a higher sequence number, so an
 * old one replayed can never undo a newer one.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import type { MycelHost } from './host.ts'

export interface GossipedListComponents<T> {
  logger: Logger
  /** Gossip topic the record travels on. */
  topic: string
  /** What it is, for the log: `revocation list`. */
  what: string
  /** Verifies wire bytes (typed error when invalid). */
  open: (bytes: Uint8Array) => T
  /** Persistence of the latest record's bytes. */
  storage: { get: () => Promise<Uint8Array | undefined>, put: (bytes: Uint8Array) => Promise<void> }
}

export interface Sequenced { seq: number, bytes: Uint8Array }

export interface GossipedListEvents<T> {
  updated: CustomEvent<T>
}

export class GossipedList<T extends Sequenced> extends TypedEventEmitter<GossipedListEvents<T>> {
  protected current?: T
  private host?: MycelHost
  private readonly g: GossipedListComponents<T>
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic !== this.g.topic) return
    // gossipsub forwards what it delivered already: publishing it again made every member flood the org anew
    void this.offer(evt.detail.data, { relay: false }).catch(() => {})
  }

  constructor (components: GossipedListComponents<T>) {
    super()
    this.g = components
  }

  /** Loads the persisted record; call before the host starts so the gater sees it. */
  async load (): Promise<void> {
    const bytes = await this.g.storage.get()
    if (bytes == null) return
    try {
      this.current = this.g.open(bytes)
    } catch (err) {
      this.g.logger.error('stored %s is invalid, ignoring it: %s', this.g.what, (err as Error).message)
    }
  }

  /** Subscribes to the topic. */
  start (host: MycelHost): void {
    this.host = host
    host.services.pubsub.subscribe(this.g.topic)
    host.services.pubsub.addEventListener('message', this.onMessage as any)
  }

  stop (): void {
    this.host?.services.pubsub.removeEventListener('message', this.onMessage as any)
  }

  seq (): number {
    return this.current?.seq ?? 0
  }

  bytes (): Uint8Array | undefined {
    return this.current?.bytes
  }

  /**
   * Takes a record from anywhere (gossip, sync, join, an admin here). Returns
   * true when it was newer and is now the current one; a verified older one
   * is ignored, an invalid one throws a typed error. A newer record is
   * published on the topic unless it came from there (`relay: false`).
   */
  async offer (bytes: Uint8Array, opts: { relay?: boolean } = {}): Promise<boolean> {
    const incoming = this.g.open(bytes)
    if (this.current != null && incoming.seq <= this.current.seq) return false
    this.current = incoming
    await this.g.storage.put(incoming.bytes)
    this.g.logger('%s now at seq %d', this.g.what, incoming.seq)
    this.safeDispatchEvent('updated', { detail: incoming })
    if (opts.relay !== false) await this.host?.services.pubsub.publish(this.g.topic, incoming.bytes).catch(() => {})
    return true
  }
}
