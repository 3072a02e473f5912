/**
 * Admin certificates: the org root key vouches for an admin key, which may
 * then issue invites, membership certificates and revocation lists. The chain
 * is deliberately short and explicit: root → admin → member.
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { MalformedMessageError } from '../protocol/errors.ts'
import { bytes, literal, object, parse, uint, type Infer } from '../protocol/shape.ts'
import { bytesEqual } from './bytes.ts'
import { ADMIN_CERT_TTL_MS, CERT_MAX_BYTES } from './constants.ts'
import { UntrustedIssuerError, WrongOrgError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from './signed-record.ts'
import { checkValidity, newSerial, ORG_NAME, SERIAL, type ValidityInit } from './validity.ts'

export const ADMIN_CERT_DOMAIN = 'mycel-admin-cert'
export const ADMIN_CERT_TYPE = 'mycel/admin-cert/1'

const AdminCertShape = object({
  v: literal(1),
  org: bytes({ length: 32 }),
  orgName: ORG_NAME,
  admin: bytes({ length: 32 }),
  notBefore: uint(),
  notAfter: uint(),
  serial: SERIAL
})

/** What the root signs about an admin; all times in ms since the epoch. */
export type AdminCert = Infer<typeof AdminCertShape>

export interface IssueAdminCertInit {
  /** The org root key pair. */
  root: Ed25519KeyPair
  orgName: string
  /** The admin's public key. */
  admin: Uint8Array
  /** @default one year */
  ttlMs?: number
  /** @default Date.now() */
  now?: number
}

/** Signs an admin certificate with the root key; returns the signed record's bytes. */
export function issueAdminCert (init: IssueAdminCertInit): Uint8Array {
  const now = init.now ?? Date.now()
  const cert: AdminCert = {
    v: 1,
    org: init.root.publicKey,
    orgName: ORG_NAME(init.orgName, 'orgName'),
    admin: init.admin,
    notBefore: now,
    notAfter: now + (init.ttlMs ?? ADMIN_CERT_TTL_MS),
    serial: newSerial()
  }
  return encodeSignedRecord(signRecord(init.root, ADMIN_CERT_DOMAIN, ADMIN_CERT_TYPE, encodeCbor(cert)))
}

export interface VerifyAdminCertInit extends ValidityInit {
  /** The org root key the certificate must chain to. */
  orgRoot: Uint8Array
}

/**
 * Verifies an admin certificate against the org root: its signature, that the
 * root signed it, and its validity window. Revocation is the caller's check.
 */
export function verifyAdminCert (data: Uint8Array, init: VerifyAdminCertInit): AdminCert {
  const cert = openAdminCert(data)
  if (!bytesEqual(cert.org, init.orgRoot)) throw new WrongOrgError('Admin certificate belongs to a different organisation')
  checkValidity(cert.notBefore, cert.notAfter, init, 'Admin certificate')
  return cert
}

/** Verifies an admin certificate's signature and shape, trusting the root it names; no time check. */
export function openAdminCert (data: Uint8Array): AdminCert {
  const rec = openSignedRecord(data, { domain: ADMIN_CERT_DOMAIN, payloadType: ADMIN_CERT_TYPE, maxBytes: CERT_MAX_BYTES })
  const cert = parse(AdminCertShape, decodeCbor(rec.payload, { maxBytes: CERT_MAX_BYTES }), 'admin certificate')
  if (cert.notAfter < cert.notBefore) throw new MalformedMessageError('Malformed admin certificate: notAfter before notBefore')
  if (!bytesEqual(rec.publicKey, cert.org)) throw new UntrustedIssuerError('Admin certificate was not signed by the org root it names')
  return cert
}
