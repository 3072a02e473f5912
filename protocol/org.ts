/**
 * The org id: a short, stable name of an org derived from its root public
 * key. Every protocol id and topic that must not mix between two orgs sharing
 * a network is scoped by it (see the `ids.ts` of each protocol folder).
 *
 * @example
 * const orgId = orgIdOf(rootPublicKey) // 'k3f…' (16 base32 characters)
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
