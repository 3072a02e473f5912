/**
 * Protocol ids and gossip topics. Every id is scoped to the org (a short hash
 * of its root key) so two orgs sharing a network never mix DHTs or topics,
 * and carries a version: a breaking wire change bumps it.
 */
import { createHash } from 'node:crypto'

/** Short, stable id of an org: base32 of the first 10 bytes of SHA-256(root public key). */
export function orgIdOf (rootPublicKey: Uint8Array): string {
  const digest = createHash('sha256').update(rootPublicKey).digest()
  return base32(digest.subarray(0, 10))
}

function base32 (bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0; let value = 0; let out = ''
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8
    while (bits >= 5) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5 }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

/** Redeeming an invite: served to anyone who knows the pre-shared key. */
export const JOIN_PROTOCOL = '/mycel/join/1.0.0'
/** Proving membership right after connecting; the only other protocol served to unadmitted peers. */
export const MEMBERSHIP_PROTOCOL = '/mycel/membership/1.0.0'
/** Renewing a membership certificate with an admin. */
export const RENEW_PROTOCOL = '/mycel/renew/1.0.0'
/** Fetching all verified cards and the revocation list a peer holds. */
export const SYNC_PROTOCOL = '/mycel/sync/1.0.0'
/** Raw request/response used as the benchmark baseline. */
export const BENCH_ECHO_PROTOCOL = '/mycel/bench-echo/1.0.0'

export function dhtProtocol (orgId: string): string {
  return `/mycel/${orgId}/kad/1.0.0`
}

export function cardsTopic (orgId: string): string {
  return `/mycel/${orgId}/cards/1`
}

export function revocationsTopic (orgId: string): string {
  return `/mycel/${orgId}/revocations/1`
}
