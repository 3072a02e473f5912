/**
 * The org's model catalog: one signed, sequence-numbered list of the model
 * files the organisation trusts, `{name, sha256, source}` each, signed by an
 * admin. It spreads like the revocation list (gossip, and the card sync on
 * connect), a higher `seq` replaces a lower one, and a node whose policy says
 * `models.require: "approved"` serves only files whose digest is on it.
 * Approval is by digest: the name is what people call it, the digest is the
 * file.
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { arrayOf, bytes, literal, object, parse, str, uint, type Infer } from '../protocol/shape.ts'
import { bytesEqual } from './bytes.ts'
import { adminCertOf, openAdminRecord, signAdminRecord, type AdminRecordKind, type OpenAdminRecordInit } from './admin-signed.ts'
import { MODEL_CATALOG_MAX_BYTES, MODEL_CATALOG_MAX_ENTRIES } from './constants.ts'
import { WrongOrgError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'

export const MODEL_CATALOG_DOMAIN = 'mycel-model-catalog'
export const MODEL_CATALOG_TYPE = 'mycel/model-catalog/1'
const KIND: AdminRecordKind = { domain: MODEL_CATALOG_DOMAIN, payloadType: MODEL_CATALOG_TYPE, maxBytes: MODEL_CATALOG_MAX_BYTES, what: 'Model catalog' }

const Entry = object({
  name: str({ min: 1, max: 128 }),
  sha256: str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ }),
  /** Where the file came from (`hf:…`, an URL, a path), for people; not used to fetch. */
  source: str({ max: 1024 }),
  approvedAt: uint()
})
export type CatalogEntry = Infer<typeof Entry>

const CatalogShape = object({
  v: literal(1),
  org: bytes({ length: 32 }),
  seq: uint(),
  issuedAt: uint(),
  models: arrayOf(Entry, { max: MODEL_CATALOG_MAX_ENTRIES })
})
export type ModelCatalog = Infer<typeof CatalogShape>

/** A catalog whose signature chain has been checked, with the exact bytes to pass on. */
export interface VerifiedModelCatalog extends ModelCatalog {
  issuer: Uint8Array
  bytes: Uint8Array
}

export interface NextCatalogInit {
  admin: Ed25519KeyPair
  adminCert: Uint8Array
  /** The latest catalog known, if any: the new one keeps its entries, `seq + 1`. */
  current?: ModelCatalog
  /** Entries to add; one with the digest of an existing entry replaces it. */
  approve?: Array<Omit<CatalogEntry, 'approvedAt'>>
  /** Digests (or names) to take off. */
  withdraw?: string[]
  /** @default Date.now() */
  now?: number
}

/** Signs the next catalog: the current entries, changed as asked, one sequence number higher. */
export function nextModelCatalog (init: NextCatalogInit): Uint8Array {
  const now = init.now ?? Date.now()
  const withdrawn = new Set(init.withdraw ?? [])
  const byDigest = new Map<string, CatalogEntry>()
  for (const e of init.current?.models ?? []) if (!withdrawn.has(e.sha256) && !withdrawn.has(e.name)) byDigest.set(e.sha256, e)
  for (const e of init.approve ?? []) byDigest.set(e.sha256, { ...e, approvedAt: now })
  const catalog = parse(CatalogShape, {
    v: 1,
    org: adminCertOf(init.adminCert).org,
    seq: (init.current?.seq ?? 0) + 1,
    issuedAt: now,
    models: [...byDigest.values()]
  }, 'model catalog')
  return signAdminRecord(KIND, init.admin, init.adminCert, encodeCbor(catalog))
}

/** Verifies a received catalog back to the org root and decodes it. */
export function openModelCatalog (data: Uint8Array, init: OpenAdminRecordInit): VerifiedModelCatalog {
  const { payload, issuer } = openAdminRecord(KIND, data, init)
  const catalog = parse(CatalogShape, decodeCbor(payload, { maxBytes: MODEL_CATALOG_MAX_BYTES }), 'model catalog')
  if (!bytesEqual(catalog.org, init.orgRoot)) throw new WrongOrgError('Model catalog belongs to a different organisation')
  return { ...catalog, issuer, bytes: data }
}

/** The catalog entry approving this file, if any. */
export function approvedEntry (catalog: ModelCatalog | undefined, sha256: string): CatalogEntry | undefined {
  return catalog?.models.find(e => e.sha256 === sha256)
}
