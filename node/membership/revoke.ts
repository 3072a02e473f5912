/**
 * Revoking a member, with the rules that make it final and safe:
 *
 * - the invites the member redeemed here are revoked with it (unless the
 *   admin keeps them): a saved multi-use invite would otherwise let it back
 *   in at once under a new identity;
 * - the last admin is never revoked: nobody could admit or revoke anyone
 *   after that, and a revocation list cannot be taken back;
 * - revoking this node itself needs `force`.
 *
 * @example
 * await revokeMember({ self, admin, revocations, members: () => gate.listMembers(), invites }, peerId)
 */
import { openAdminCert } from '../../identity/admin-cert.ts'
import { decodeMembershipChain } from '../../identity/certs.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import type { InviteBook } from './invite-book.ts'
import type { RevocationStore } from './revocation-store.ts'
import { RevokeRefusedError } from './errors.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'

export interface RevokeMemberComponents {
  /** This node's peer id; its key is the admin key it signs with. */
  self: string
  admin: { key: Ed25519KeyPair, cert: Uint8Array }
  revocations: Pick<RevocationStore, 'revoke' | 'list' | 'isRevoked'>
  /** Admitted members, with the chains they presented (their issuers are admins). */
  members: () => Array<{ peerId: string, serial: string, chain: Uint8Array }>
  /** The join server's ledger; absent when this node serves no joins. */
  invites?: InviteBook
}

export interface RevokeMemberInit {
  /** Leave the invites the member redeemed usable. @default false */
  keepInvites?: boolean
  /** Allow revoking this node itself (never the last admin). @default false */
  force?: boolean
}

export interface RevokeMemberResult {
  /** Sequence number of the new revocation list. */
  seq: number
  peerId: string
  /** Invites revoked along with the member. */
  invites: string[]
}

export async function revokeMember (c: RevokeMemberComponents, peerId: string, init: RevokeMemberInit = {}): Promise<RevokeMemberResult> {
  const admins = knownAdmins(c)
  if (admins.has(peerId) && [...admins].every(a => a === peerId)) throw new RevokeRefusedError('last-admin')
  if (peerId === c.self && init.force !== true) throw new RevokeRefusedError('self')
  const serial = c.members().find(m => m.peerId === peerId)?.serial
  const sign = async (inviteIds: string[]): Promise<RevokeMemberResult> => {
    const list = await c.revocations.revoke(c.admin, { peerIds: [peerId], ...(serial != null ? { serials: [serial] } : {}), inviteIds })
    return { seq: list.seq, peerId, invites: inviteIds }
  }
  if (init.keepInvites === true || c.invites == null) return await sign([])
  const book = c.invites
  // no redemption may land between finding the member's invites and revoking them
  return await book.exclusive(async () => {
    const ids = (await book.redeemedBy(peerId)).filter(id => !c.revocations.isRevoked({ inviteId: id }))
    return await sign(ids)
  })
}

/** Peer ids of the org's admins this node knows of and that are not revoked: itself, and whoever issued a member's chain or the revocation list. */
export function knownAdmins (c: Pick<RevokeMemberComponents, 'self' | 'admin' | 'revocations' | 'members'>): Set<string> {
  const found = new Map<string, string | undefined>([[c.self, openAdminCert(c.admin.cert).serial]])
  for (const m of c.members()) {
    try {
      const cert = openAdminCert(decodeMembershipChain(m.chain).adminCert)
      found.set(peerIdFromPublicKey(cert.admin), cert.serial)
    } catch {}
  }
  const issuer = c.revocations.list()?.issuer
  if (issuer != null && !found.has(peerIdFromPublicKey(issuer))) found.set(peerIdFromPublicKey(issuer), undefined)
  const admins = new Set<string>()
  for (const [peerId, serial] of found) {
    if (!c.revocations.isRevoked({ peerId, ...(serial != null ? { serial } : {}) })) admins.add(peerId)
  }
  return admins
}

const INVITE_ID = /^[0-9a-f]{32}$/

/** Revokes one invite by id: the join server refuses it from now on, everywhere the list spreads. */
export async function revokeInvite (c: Pick<RevokeMemberComponents, 'admin' | 'revocations'>, inviteId: string): Promise<{ seq: number, inviteId: string, alreadyRevoked: boolean }> {
  if (!INVITE_ID.test(inviteId)) throw new MalformedMessageError('An invite id is 32 hexadecimal characters')
  if (c.revocations.isRevoked({ inviteId })) return { seq: c.revocations.list()?.seq ?? 0, inviteId, alreadyRevoked: true }
  const list = await c.revocations.revoke(c.admin, { inviteIds: [inviteId] })
  return { seq: list.seq, inviteId, alreadyRevoked: false }
}
