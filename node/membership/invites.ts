/**
 * Issuing and listing invites on an admin node. An invite is only worth
 * making if the new machine can dial what it carries, so addresses are
 * checked here (parsed as multiaddrs, a host and TCP, not the unspecified
 * address) and an invite with none is refused at creation rather than
 * failing later on the other machine.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { createInvite, type CreatedInvite, type CreateInviteInit } from '../../identity/invite.ts'
import { INVITE_MAX_ADDR_CHARS, INVITE_MAX_ADDRS } from '../../identity/constants.ts'
import type { InviteBook, InviteRecord } from './invite-book.ts'
import { InviteAddressError } from './errors.ts'

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6', 'dnsaddr'])
const UNSPECIFIED = new Set(['0.0.0.0', '::'])

/** Throws `InviteAddressError` naming the first address a joiner could not dial. */
export function checkInviteAddr (addr: string): void {
  const shown = JSON.stringify(addr.length > 80 ? `${addr.slice(0, 80)}…` : addr)
  if (addr.length > INVITE_MAX_ADDR_CHARS) throw new InviteAddressError(`Address ${shown} is longer than ${INVITE_MAX_ADDR_CHARS} characters`)
  let components
  try {
    components = multiaddr(addr).getComponents()
  } catch {
    throw new InviteAddressError(`Address ${shown} is not a multiaddr (e.g. /ip4/192.0.2.1/tcp/4001)`)
  }
  const host = components[0]
  if (host == null || !HOSTS.has(host.name)) throw new InviteAddressError(`Address ${shown} does not start with a host (/ip4, /ip6 or /dns)`)
  if (UNSPECIFIED.has(host.value ?? '')) throw new InviteAddressError(`Address ${shown} is the unspecified address; give one the new machine can reach`)
  const tcp = components.find(c => c.name === 'tcp')
  if (host.name !== 'dnsaddr' && (tcp == null || tcp.value === '0')) throw new InviteAddressError(`Address ${shown} has no TCP port to dial`)
}

/** Checks a list of addresses for an invite: 1 to 8 dialable multiaddrs. */
export function checkInviteAddrs (addrs: string[]): void {
  if (addrs.length === 0) {
    throw new InviteAddressError('This invite would carry no address to dial: start the node first (`mycel start`), or pass --addr MULTIADDR')
  }
  if (addrs.length > INVITE_MAX_ADDRS) throw new InviteAddressError(`An invite carries at most ${INVITE_MAX_ADDRS} addresses`)
  for (const a of addrs) checkInviteAddr(a)
}

/** Checks the addresses, signs the invite and records it in the ledger (when one is given). */
export async function issueInvite (init: CreateInviteInit, book?: InviteBook): Promise<CreatedInvite> {
  checkInviteAddrs(init.addrs)
  const now = init.now ?? Date.now()
  const created = createInvite({ ...init, now })
  await book?.issued(created.inviteId, { at: now, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups })
  return created
}

export type InviteStatus = 'valid' | 'expired' | 'used' | 'revoked'

/** One row of `mycel invite ls`. */
export interface InviteSummary {
  inviteId: string
  status: InviteStatus
  /** null when the invite is only known from a redemption made before issuance was recorded. */
  createdAt: number | null
  expiresAt: number | null
  uses: number | null
  usesLeft: number | null
  groups: string[]
  redeemedBy: string[]
  revoked: boolean
}

export function summarizeInvite (record: InviteRecord, revoked: boolean, now: number = Date.now()): InviteSummary {
  const issued = record.issued
  const usesLeft = issued != null ? Math.max(0, issued.uses - record.used) : null
  const status: InviteStatus = revoked
    ? 'revoked'
    : issued != null && now > issued.expiresAt ? 'expired' : usesLeft === 0 ? 'used' : 'valid'
  return {
    inviteId: record.inviteId,
    status,
    createdAt: issued != null && issued.at > 0 ? issued.at : null,
    expiresAt: issued?.expiresAt ?? null,
    uses: issued?.uses ?? null,
    usesLeft,
    groups: issued?.groups ?? [],
    redeemedBy: record.peers,
    revoked
  }
}

/** The ledger as `mycel invite ls` shows it, newest first. */
export async function listInvites (book: InviteBook, isRevoked: (inviteId: string) => boolean, now: number = Date.now()): Promise<InviteSummary[]> {
  return (await book.list()).map(r => summarizeInvite(r, isRevoked(r.inviteId), now))
}
