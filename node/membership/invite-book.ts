/**
 * The issuing admin's ledger of invites: what it issued (uses, expiry,
 * groups) and who redeemed each one. Redemptions are counted here, on disk,
 * before a certificate leaves, so single-use invites stay single-use across
 * restarts; and because the ledger knows which peer redeemed which invite,
 * revoking a member can revoke the invites it came in with (a saved
 * multi-use invite must not let it straight back in under a new identity).
 *
 * Record per invite id: `CBOR({ used, peers, issued? })`. `issued` is absent
 * in records written before issuance was recorded; a redemption fills it in
 * from the (signed) invite.
 */
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { arrayOf, object, optional, parse, str, uint } from '../../protocol/shape.ts'
import { GROUP_MAX_CHARS, INVITE_MAX_USES, MAX_GROUPS } from '../../identity/constants.ts'
import type { Invite } from '../../identity/invite.ts'
import { MAX_INVITE_RECORD_BYTES, MAX_LISTED_INVITES } from './constants.ts'

/** Where the ledger lives: a `level` sublevel with string keys and byte values fits. */
export interface InviteStore {
  get: (inviteId: string) => Promise<Uint8Array | undefined>
  put: (inviteId: string, value: Uint8Array) => Promise<void>
  /** Every record, in key order. */
  entries: () => AsyncIterable<[string, Uint8Array]>
}

/** Adapts a `level` sublevel (`db.sublevel('invites', { valueEncoding: 'view' })`). */
export function levelInviteStore (sub: {
  get: (k: string) => Promise<Uint8Array | undefined>
  put: (k: string, v: Uint8Array) => Promise<void>
  iterator: (opts?: { limit?: number }) => AsyncIterable<[string, Uint8Array]>
}): InviteStore {
  return {
    get: async (id) => await sub.get(id),
    put: async (id, v) => { await sub.put(id, v) },
    entries: () => sub.iterator()
  }
}

export interface IssuedInvite {
  /** When it was made, ms since the epoch (0 when only known from a redemption). */
  at: number
  expiresAt: number
  uses: number
  groups: string[]
}

export interface InviteRecord {
  inviteId: string
  used: number
  /** Peers that redeemed it, in order. */
  peers: string[]
  issued?: IssuedInvite
}

const PEER_ID = str({ min: 1, max: 128 })
const Issued = object({ at: uint(), expiresAt: uint(), uses: uint({ min: 1, max: INVITE_MAX_USES }), groups: arrayOf(str({ max: GROUP_MAX_CHARS }), { max: MAX_GROUPS }) })
const RecordShape = object({ used: uint(), peers: arrayOf(PEER_ID, { max: INVITE_MAX_USES }), issued: optional(Issued) })

/** Thrown by `redeem` when the invite has no use left. */
export class InviteUsedUpError extends Error {
  static override name = 'InviteUsedUpError'
  constructor (message = 'The invite has already been used') {
    super(message)
    this.name = InviteUsedUpError.name
  }
}

export class InviteBook {
  private readonly store: InviteStore
  private queue: Promise<unknown> = Promise.resolve()

  constructor (store: InviteStore) {
    this.store = store
  }

  /** Records an invite just issued, so `list` shows it before anyone redeems it. */
  async issued (inviteId: string, issued: IssuedInvite): Promise<void> {
    await this.exclusive(async () => {
      const current = await this.read(inviteId)
      await this.write({ inviteId, used: current?.used ?? 0, peers: current?.peers ?? [], issued })
    })
  }

  /**
   * Records one use by `joiner`, serialised so two simultaneous joins cannot
   * both take the last use, after `check` (run inside the lock, so a
   * revocation being signed cannot slip between check and count) passes.
   * The same peer retrying (its reply was lost) costs no use.
   */
  async redeem (invite: Invite, joiner: string, check: () => void = () => {}): Promise<void> {
    await this.exclusive(async () => {
      check()
      const current = await this.read(invite.inviteId)
      const issued = current?.issued ?? { at: 0, expiresAt: invite.expiresAt, uses: invite.uses, groups: invite.groups }
      if (current?.peers.includes(joiner) === true) return
      const used = current?.used ?? 0
      if (used >= invite.uses) throw new InviteUsedUpError()
      await this.write({ inviteId: invite.inviteId, used: used + 1, peers: [...(current?.peers ?? []), joiner], issued })
    })
  }

  /** Ids of the invites `peerId` redeemed here. */
  async redeemedBy (peerId: string): Promise<string[]> {
    const ids: string[] = []
    for await (const record of this.records()) if (record.peers.includes(peerId)) ids.push(record.inviteId)
    return ids
  }

  /** The records, newest issued first, at most `MAX_LISTED_INVITES`. */
  async list (): Promise<InviteRecord[]> {
    const all: InviteRecord[] = []
    for await (const record of this.records()) all.push(record)
    return all.sort((a, b) => (b.issued?.at ?? 0) - (a.issued?.at ?? 0)).slice(0, MAX_LISTED_INVITES)
  }

  /** Runs `fn` with no redemption in between (revoking a member's invites uses this). */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => {})
    return await run
  }

  private async * records (): AsyncGenerator<InviteRecord> {
    for await (const [inviteId, value] of this.store.entries()) {
      const record = decodeRecord(inviteId, value)
      if (record != null) yield record
    }
  }

  private async read (inviteId: string): Promise<InviteRecord | undefined> {
    const value = await this.store.get(inviteId)
    if (value == null) return undefined
    const record = decodeRecord(inviteId, value)
    // a record that no longer decodes must not hand out fresh uses
    if (record == null) throw new InviteUsedUpError('The invite ledger entry for this invite is damaged')
    return record
  }

  private async write (record: InviteRecord): Promise<void> {
    await this.store.put(record.inviteId, encodeCbor({ used: record.used, peers: record.peers, ...(record.issued != null ? { issued: record.issued } : {}) }))
  }
}

function decodeRecord (inviteId: string, value: Uint8Array): InviteRecord | undefined {
  try {
    const r = parse(RecordShape, decodeCbor(value, { maxBytes: MAX_INVITE_RECORD_BYTES }), 'invite ledger')
    return { inviteId, used: r.used, peers: r.peers, ...(r.issued != null ? { issued: r.issued } : {}) }
  } catch {
    return undefined
  }
}
