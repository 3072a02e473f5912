/**
 * Revocation lists: one signed, sequence-numbered list per org naming revoked
 * certificate serials (member or admin), peer ids and invite ids. An admin
 * signs it and ships its admin certificate along, so any member can check it
 * back to the org root. Nodes spread it by gossip and keep the highest `seq`;
 * a lower or equal `seq` never replaces a higher one, so an old list replayed
 * cannot un-revoke anyone. Admins issue the next list from the latest one.
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { arrayOf, bytes, literal, object, parse, str, uint, type Infer } from '../protocol/shape.ts'
import { bytesEqual } from './bytes.ts'
import { adminCertOf, openAdminRecord, signAdminRecord, type AdminRecordKind } from './admin-signed.ts'
import { REVOCATION_LIST_MAX_BYTES, REVOCATION_MAX_ENTRIES } from './constants.ts'
import { WrongOrgError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'
import { SERIAL, type ValidityInit } from './validity.ts'

export const REVOCATION_DOMAIN = 'mycel-revocation-list'
export const REVOCATION_TYPE = 'mycel/revocation-list/1'

const ENTRIES = { max: REVOCATION_MAX_ENTRIES }
const ListShape = object({
  v: literal(1),
  org: bytes({ length: 32 }),
  seq: uint(),
  issuedAt: uint(),
  serials: arrayOf(SERIAL, ENTRIES),
  peerIds: arrayOf(str({ min: 1, max: 128 }), ENTRIES),
  inviteIds: arrayOf(str({ min: 32, max: 32, pattern: /^[0-9a-f]{32}$/ }), ENTRIES)
})
const KIND: AdminRecordKind = { domain: REVOCATION_DOMAIN, payloadType: REVOCATION_TYPE, maxBytes: REVOCATION_LIST_MAX_BYTES, what: 'Revocation list' }

export type RevocationList = Infer<typeof ListShape>

/** A list whose signature chain has been checked, with the exact bytes to pass on. */
export interface VerifiedRevocationList extends RevocationList {
  /** The admin key that signed it. */
  issuer: Uint8Array
  /** The list as received, to forward unchanged. */
  bytes: Uint8Array
}

export interface SignRevocationListInit {
  admin: Ed25519KeyPair
  /** The admin's certificate from the org root. */
  adminCert: Uint8Array
  seq: number
  serials?: string[]
  peerIds?: string[]
  inviteIds?: string[]
  /** @default Date.now() */
  now?: number
}

export function signRevocationList (init: SignRevocationListInit): Uint8Array {
  const list = parse(ListShape, {
    v: 1,
    org: adminCertOf(init.adminCert).org,
    seq: init.seq,
    issuedAt: init.now ?? Date.now(),
    serials: dedupe(init.serials),
    peerIds: dedupe(init.peerIds),
    inviteIds: dedupe(init.inviteIds)
  }, 'revocation list')
  return signAdminRecord(KIND, init.admin, init.adminCert, encodeCbor(list))
}

export interface ExtendRevocationListInit extends Omit<SignRevocationListInit, 'seq'> {
  /** The latest list known, if any; the new one gets its entries and `seq + 1`. */
  current?: RevocationList
}

/** The next list: the current entries plus new ones, one sequence number higher. */
export function extendRevocationList (init: ExtendRevocationListInit): Uint8Array {
  const cur = init.current
  return signRevocationList({
    ...init,
    seq: (cur?.seq ?? 0) + 1,
    serials: [...(cur?.serials ?? []), ...(init.serials ?? [])],
    peerIds: [...(cur?.peerIds ?? []), ...(init.peerIds ?? [])],
    inviteIds: [...(cur?.inviteIds ?? []), ...(init.inviteIds ?? [])]
  })
}

export interface OpenRevocationListInit extends ValidityInit {
  orgRoot: Uint8Array
}

/** Verifies a received list back to the org root and decodes it. */
export function openRevocationList (data: Uint8Array, init: OpenRevocationListInit): VerifiedRevocationList {
  const { payload, issuer } = openAdminRecord(KIND, data, init)
  const list = parse(ListShape, decodeCbor(payload, { maxBytes: REVOCATION_LIST_MAX_BYTES }), 'revocation list')
  if (!bytesEqual(list.org, init.orgRoot)) throw new WrongOrgError('Revocation list belongs to a different organisation')
  return { ...list, issuer, bytes: data }
}

/** The list to keep: `incoming` only if it has a higher `seq` than `current`. */
export function mergeRevocation<T extends RevocationList> (current: T | undefined, incoming: T): T {
  if (current === undefined) return incoming
  if (!bytesEqual(current.org, incoming.org)) throw new WrongOrgError('Revocation list belongs to a different organisation')
  return incoming.seq > current.seq ? incoming : current
}

export interface RevocationQuery {
  serial?: string
  peerId?: string
  inviteId?: string
}

const indexes = new WeakMap<RevocationList, { serials: Set<string>, peerIds: Set<string>, inviteIds: Set<string> }>()

/** Whether any of the given identifiers is on the list. */
export function isRevoked (list: RevocationList | undefined, query: RevocationQuery): boolean {
  if (list === undefined) return false
  let index = indexes.get(list)
  if (index === undefined) {
    index = { serials: new Set(list.serials), peerIds: new Set(list.peerIds), inviteIds: new Set(list.inviteIds) }
    indexes.set(list, index)
  }
  return (query.serial !== undefined && index.serials.has(query.serial)) ||
    (query.peerId !== undefined && index.peerIds.has(query.peerId)) ||
    (query.inviteId !== undefined && index.inviteIds.has(query.inviteId))
}

function dedupe (values: string[] | undefined): string[] {
  return [...new Set(values ?? [])]
}
