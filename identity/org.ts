/**
 * Organisations: named by their root public key. Founding one makes a root
 * key (kept offline or on the founding node) and a first admin key certified
 * by the root; the admin key does the day-to-day signing.
 */
import { issueAdminCert } from './admin-cert.ts'
import { generateKeyPair, type Ed25519KeyPair } from './keys.ts'
import { ORG_NAME } from './validity.ts'

export interface Org {
  name: string
  root: Ed25519KeyPair
  admin: Ed25519KeyPair
  /** The admin's certificate, signed by the root. */
  adminCert: Uint8Array
}

export interface CreateOrgInit {
  /** Lifetime of the first admin certificate. @default one year */
  adminTtlMs?: number
  /** @default Date.now() */
  now?: number
  /** Use this key as the first admin instead of a fresh one (e.g. the founding node's key). */
  admin?: Ed25519KeyPair
}

export function createOrg (name: string, init: CreateOrgInit = {}): Org {
  ORG_NAME(name, 'org name')
  const root = generateKeyPair()
  const admin = init.admin ?? generateKeyPair()
  const adminCert = issueAdminCert({
    root,
    orgName: name,
    admin: admin.publicKey,
    ...(init.adminTtlMs != null ? { ttlMs: init.adminTtlMs } : {}),
    ...(init.now != null ? { now: init.now } : {})
  })
  return { name, root, admin, adminCert }
}
