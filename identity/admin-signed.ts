/**
 * Org-wide records an admin signs and every member checks back to the org
 * root on its own: the revocation list and the model catalog. On the wire
 * each is `{adminCert, record}`, the admin's certificate travelling with the
 * signed record so a member that never met the admin can verify it.
 */
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { bytes, object, parse } from '../protocol/shape.ts'
import { bytesEqual } from './bytes.ts'
import { openAdminCert, verifyAdminCert, type AdminCert } from './admin-cert.ts'
import { CERT_MAX_BYTES } from './constants.ts'
import { UntrustedIssuerError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from './signed-record.ts'
import type { ValidityInit } from './validity.ts'

export interface AdminRecordKind {
  domain: string
  payloadType: string
  /** Largest signed record. */
  maxBytes: number
  /** What it is, for error messages: `Revocation list`. */
  what: string
}

/** Checks that `adminCert` is `admin`'s, signs `payload`; returns the wire bytes. */
export function signAdminRecord (kind: AdminRecordKind, admin: Ed25519KeyPair, adminCert: Uint8Array, payload: Uint8Array): Uint8Array {
  const cert = openAdminCert(adminCert)
  if (!bytesEqual(cert.admin, admin.publicKey)) throw new UntrustedIssuerError('This admin certificate is for a different key')
  return encodeCbor({ adminCert, list: encodeSignedRecord(signRecord(admin, kind.domain, kind.payloadType, payload)) })
}

/** The admin certificate an admin-signed record carries, to read the org from before signing. */
export function adminCertOf (adminCert: Uint8Array): AdminCert {
  return openAdminCert(adminCert)
}

export interface OpenAdminRecordInit extends ValidityInit {
  orgRoot: Uint8Array
}

/** Verifies wire bytes back to the org root; returns the payload and the admin key that signed it. */
export function openAdminRecord (kind: AdminRecordKind, data: Uint8Array, init: OpenAdminRecordInit): { payload: Uint8Array, issuer: Uint8Array } {
  const Wire = object({ adminCert: bytes({ max: CERT_MAX_BYTES }), list: bytes({ max: kind.maxBytes }) })
  const wire = parse(Wire, decodeCbor(data, { maxBytes: kind.maxBytes + CERT_MAX_BYTES + 64 }), kind.what.toLowerCase())
  const cert = verifyAdminCert(wire.adminCert, init)
  const rec = openSignedRecord(wire.list, { domain: kind.domain, payloadType: kind.payloadType, maxBytes: kind.maxBytes })
  if (!bytesEqual(rec.publicKey, cert.admin)) throw new UntrustedIssuerError(`${kind.what} was not signed by the admin its certificate names`)
  return { payload: rec.payload, issuer: cert.admin }
}
