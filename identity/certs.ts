/**
 * Membership certificates: an admin states that a peer id belongs to the org,
 * in some groups, for a short while. A member presents a `MembershipChain`
 * (its admin's certificate from the root plus its own certificate) and any
 * peer checks it against the org root alone; no online authority is needed.
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { MalformedMessageError } from '../protocol/errors.ts'
import { arrayOf, bytes, literal, object, parse, str, uint, type Infer } from '../protocol/shape.ts'
import { bytesEqual } from './bytes.ts'
import { openAdminCert, verifyAdminCert } from './admin-cert.ts'
import { CERT_MAX_BYTES, CHAIN_MAX_BYTES, MAX_GROUPS, MEMBERSHIP_CERT_TTL_MS } from './constants.ts'
import { CertRevokedError, InvalidPeerIdError, UntrustedIssuerError, WrongOrgError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'
import { isPeerId } from './peer-id.ts'
import { isRevoked, type RevocationList } from './revocation.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from './signed-record.ts'
import { checkValidity, GROUP, newSerial, SERIAL, type ValidityInit } from './validity.ts'

export const MEMBERSHIP_CERT_DOMAIN = 'mycel-membership-cert'
export const MEMBERSHIP_CERT_TYPE = 'mycel/membership-cert/1'

const MembershipCertShape = object({
  v: literal(1),
  org: bytes({ length: 32 }),
  peerId: str({ min: 1, max: 128 }),
  groups: arrayOf(GROUP, { max: MAX_GROUPS }),
  notBefore: uint(),
  notAfter: uint(),
  serial: SERIAL,
  issuer: bytes({ length: 32 })
})
const ChainShape = object({ adminCert: bytes({ max: CERT_MAX_BYTES }), memberCert: bytes({ max: CERT_MAX_BYTES }) })

/** What an admin signs about a member; times in ms since the epoch. */
export type MembershipCert = Infer<typeof MembershipCertShape>

/** The two signed records a member presents: its admin's certificate and its own. */
export interface MembershipChain {
  adminCert: Uint8Array
  memberCert: Uint8Array
}

export interface IssueMembershipCertInit {
  admin: Ed25519KeyPair
  /** The admin's certificate from the org root. */
  adminCert: Uint8Array
  peerId: string
  /** @default [] */
  groups?: string[]
  /** @default 24 hours */
  ttlMs?: number
  /** @default Date.now() */
  now?: number
}

export function issueMembershipCert (init: IssueMembershipCertInit): MembershipChain {
  const adminCert = openAdminCert(init.adminCert)
  if (!bytesEqual(adminCert.admin, init.admin.publicKey)) throw new UntrustedIssuerError('This admin certificate is for a different key')
  if (!isPeerId(init.peerId)) throw new InvalidPeerIdError()
  const now = init.now ?? Date.now()
  const cert = parse(MembershipCertShape, {
    v: 1,
    org: adminCert.org,
    peerId: init.peerId,
    groups: [...new Set(init.groups ?? [])],
    notBefore: now,
    notAfter: now + (init.ttlMs ?? MEMBERSHIP_CERT_TTL_MS),
    serial: newSerial(),
    issuer: init.admin.publicKey
  }, 'membership certificate')
  const rec = signRecord(init.admin, MEMBERSHIP_CERT_DOMAIN, MEMBERSHIP_CERT_TYPE, encodeCbor(cert))
  return { adminCert: init.adminCert, memberCert: encodeSignedRecord(rec) }
}

export function encodeMembershipChain (chain: MembershipChain): Uint8Array {
  return encodeCbor({ adminCert: chain.adminCert, memberCert: chain.memberCert })
}

export function decodeMembershipChain (data: Uint8Array): MembershipChain {
  return parse(ChainShape, decodeCbor(data, { maxBytes: CHAIN_MAX_BYTES }), 'membership chain')
}

export interface VerifyMembershipInit extends ValidityInit {
  /** The org root public key the chain must lead to. */
  orgRoot: Uint8Array
  /** The org's current revocation list; its serials, peer ids and admin serials are refused. */
  revocations?: RevocationList
}

export interface VerifiedMembership {
  org: Uint8Array
  orgName: string
  peerId: string
  groups: string[]
  notBefore: number
  notAfter: number
  serial: string
  /** The admin key that issued the certificate. */
  issuer: Uint8Array
  /** Serial of the issuing admin's certificate. */
  adminSerial: string
}

/**
 * Checks root → admin → member: signatures first, then org, issuer, validity
 * windows (with clock skew) and revocation. The caller still checks that
 * `peerId` is the peer it is talking to.
 */
export function verifyMembershipChain (input: Uint8Array | MembershipChain, init: VerifyMembershipInit): VerifiedMembership {
  const chain = input instanceof Uint8Array ? decodeMembershipChain(input) : input
  const admin = verifyAdminCert(chain.adminCert, init)
  const rec = openSignedRecord(chain.memberCert, { domain: MEMBERSHIP_CERT_DOMAIN, payloadType: MEMBERSHIP_CERT_TYPE, maxBytes: CERT_MAX_BYTES })
  const cert = parse(MembershipCertShape, decodeCbor(rec.payload, { maxBytes: CERT_MAX_BYTES }), 'membership certificate')
  if (cert.notAfter < cert.notBefore) throw new MalformedMessageError('Malformed membership certificate: notAfter before notBefore')
  if (!bytesEqual(cert.org, init.orgRoot)) throw new WrongOrgError()
  if (!bytesEqual(rec.publicKey, admin.admin) || !bytesEqual(cert.issuer, admin.admin)) {
    throw new UntrustedIssuerError('Membership certificate was not signed by an admin of this organisation')
  }
  if (!isPeerId(cert.peerId)) throw new MalformedMessageError('Malformed membership certificate: peerId is not an Ed25519 peer id')
  checkValidity(cert.notBefore, cert.notAfter, init, 'Membership certificate')
  const revs = init.revocations
  if (revs !== undefined) {
    if (!bytesEqual(revs.org, init.orgRoot)) throw new WrongOrgError('Revocation list belongs to a different organisation')
    if (isRevoked(revs, { serial: cert.serial, peerId: cert.peerId })) throw new CertRevokedError()
    if (isRevoked(revs, { serial: admin.serial })) throw new CertRevokedError('The admin that issued this certificate has been revoked')
  }
  return {
    org: cert.org,
    orgName: admin.orgName,
    peerId: cert.peerId,
    groups: cert.groups,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serial: cert.serial,
    issuer: cert.issuer,
    adminSerial: admin.serial
  }
}
