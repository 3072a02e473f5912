/**
 * The org's revocation list as this node knows it: persisted, spread by
 * gossip, fetched from peers on connect (sync), and replaced only by a
 * verified list with a higher sequence number.
 */
import type { Logger } from '../logger.ts'
import { GossipedList } from '../net/gossiped-list.ts'
import { revocationsTopic } from '../../protocol/membership/ids.ts'
import { extendRevocationList, isRevoked, openRevocationList, type VerifiedRevocationList } from '../../identity/revocation.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'

export interface RevocationStoreComponents {
  logger: Logger
  orgRoot: Uint8Array
  orgId: string
  /** Persistence of the latest list's bytes. */
  storage: { get: () => Promise<Uint8Array | undefined>, put: (bytes: Uint8Array) => Promise<void> }
}

export class RevocationStore extends GossipedList<VerifiedRevocationList> {
  constructor (c: RevocationStoreComponents) {
    super({
      logger: c.logger,
      topic: revocationsTopic(c.orgId),
      what: 'revocation list',
      // an admin certificate's expiry must not resurrect revoked members: accept lists signed by once-valid admins
      open: (bytes) => openRevocationList(bytes, { orgRoot: c.orgRoot, skewMs: Number.MAX_SAFE_INTEGER }),
      storage: c.storage
    })
  }

  list (): VerifiedRevocationList | undefined {
    return this.current
  }

  isRevoked (query: { peerId?: string, serial?: string, inviteId?: string }): boolean {
    return isRevoked(this.current, query)
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
