/**
 * The org's model catalog as this node knows it (identity/model-catalog.ts):
 * gossiped, synced on connect beside the revocation list, persisted. Admins
 * add to it with `approve`.
 */
import type { Logger } from '../logger.ts'
import { GossipedList } from '../net/gossiped-list.ts'
import { modelCatalogTopic } from '../../protocol/membership/ids.ts'
import { approvedEntry, nextModelCatalog, openModelCatalog, type CatalogEntry, type VerifiedModelCatalog } from '../../identity/model-catalog.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'

export interface CatalogStoreComponents {
  logger: Logger
  orgRoot: Uint8Array
  orgId: string
  storage: { get: () => Promise<Uint8Array | undefined>, put: (bytes: Uint8Array) => Promise<void> }
}

export class CatalogStore extends GossipedList<VerifiedModelCatalog> {
  constructor (c: CatalogStoreComponents) {
    super({
      logger: c.logger,
      topic: modelCatalogTopic(c.orgId),
      what: 'model catalog',
      // like revocations, a catalog stays valid after its admin's certificate expires
      open: (bytes) => openModelCatalog(bytes, { orgRoot: c.orgRoot, skewMs: Number.MAX_SAFE_INTEGER }),
      storage: c.storage
    })
  }

  entries (): CatalogEntry[] {
    return this.current?.models ?? []
  }

  approved (sha256: string): CatalogEntry | undefined {
    return approvedEntry(this.current, sha256)
  }

  /** Signs and spreads the next catalog (admins only). */
  async change (admin: { key: Ed25519KeyPair, cert: Uint8Array }, change: { approve?: Array<Omit<CatalogEntry, 'approvedAt'>>, withdraw?: string[] }): Promise<VerifiedModelCatalog> {
    await this.offer(nextModelCatalog({
      admin: admin.key,
      adminCert: admin.cert,
      ...(this.current != null ? { current: this.current } : {}),
      ...change
    }))
    return this.current as VerifiedModelCatalog
  }
}
