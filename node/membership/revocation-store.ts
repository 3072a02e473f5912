/**
 * The org's revocation list as this node knows it: persisted, spread by
 * gossip, fetched from peers on connect (sync), and replaced only by a
 * verified list with a higher sequence number.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import type { MycelHost } from '../net/host.ts'
import { revocationsTopic } from '../../protocol/membership/ids.ts'
import { extendRevocationList, isRevoked, mergeRevocation, openRevocationList, type VerifiedRevocationList } from '../../identity/revocation.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'

export interface RevocationStoreComponents {
  logger: Logger
  orgRoot: Uint8Array
  orgId: string
  /** Persistence of the latest list's bytes. */
  storage: { get: () => Promise<Uint8Array | undefined>, put: (bytes: Uint8Array) => Promise<void> }
}

export interface RevocationEvents {
  updated: CustomEvent<VerifiedRevocationList>
}

export class RevocationStore extends TypedEventEmitter<RevocationEvents> {
  private current?: VerifiedRevocationList
  private host?: MycelHost
  private readonly c: RevocationStoreComponents
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic !== revocationsTopic(this.c.orgId)) return
    void this.offer(evt.detail.data).catch(() => {})
  }

  constructor (components: RevocationStoreComponents) {
    super()
    this.c = components
  }

  /** Loads the persisted list; call before the host starts so the gater sees it. */
  async load (): Promise<void> {
    const bytes = await this.c.storage.get()
    if (bytes == null) return
    try {
      this.current = openRevocationList(bytes, { orgRoot: this.c.orgRoot, skewMs: Number.MAX_SAFE_INTEGER })
    } catch (err) {
      this.c.logger.error('stored revocation list is invalid, ignoring it: %s', (err as Error).message)
    }
  }

  /** Subscribes to revocation gossip. */
  start (host: MycelHost): void {
    this.host = host
    host.services.pubsub.subscribe(revocationsTopic(this.c.orgId))
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

  list (): VerifiedRevocationList | undefined {
    return this.current
  }

  isRevoked (query: { peerId?: string, serial?: string, inviteId?: string }): boolean {
    return isRevoked(this.current, query)
  }

  /**
   * Takes a list from anywhere (gossip, sync, join). Returns true when it was
   * newer and is now the current one; a verified older list is ignored, an
   * invalid one throws a typed error.
   */
  async offer (bytes: Uint8Array): Promise<boolean> {
    // an admin certificate's expiry must not resurrect revoked members: accept lists signed by once-valid admins
    const incoming = openRevocationList(bytes, { orgRoot: this.c.orgRoot, skewMs: Number.MAX_SAFE_INTEGER })
    const kept = mergeRevocation(this.current, incoming)
    if (kept === this.current) return false
    this.current = kept
    await this.c.storage.put(kept.bytes)
    this.c.logger('revocation list now at seq %d', kept.seq)
    this.safeDispatchEvent('updated', { detail: kept })
    await this.host?.services.pubsub.publish(revocationsTopic(this.c.orgId), kept.bytes).catch(() => {})
    return true
  }

  /** Signs and spreads a new list adding these entries (admins only). */
  async revoke (admin: { key: Ed25519KeyPair, cert: Uint8Array }, entries: { peerIds?: string[], serials?: string[], inviteIds?: string[] }): Promise<VerifiedRevocationList> {
    const bytes = extendRevocationList({
      admin: admin.key,
      adminCert: admin.cert,
      ...(this.current != null ? { current: this.current } : {}),
      ...entries
    })
    await this.offer(bytes)
    return this.current as VerifiedRevocationList
  }
}
