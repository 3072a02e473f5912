/**
 * Redeeming invites on an admin node (`JOIN_PROTOCOL`). Served to anyone who
 * got past the pre-shared key, so it trusts nothing: the invite must carry an
 * admin signature of this org, be unexpired and unrevoked, have a use left,
 * and the joiner must prove it holds the invite's ephemeral key, bound to its
 * own peer id (authenticated by Noise) and to ours. The use is counted in the
 * invite ledger (`InviteBook`) before the certificate leaves, so single-use
 * invites stay single-use across restarts, and the ledger remembers who
 * redeemed what so a revocation can take the invites along.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import { JOIN_PROTOCOL } from '../../protocol/membership/ids.ts'
import { decodeJoinRequest, encodeMembershipMessage, MAX_MEMBERSHIP_MESSAGE_BYTES, refusal, type JoinWelcome } from '../../protocol/membership/messages.ts'
import type { WireErrorCode } from '../../protocol/codes.ts'
import { checkInviteUsable, decodeInvite, verifyInviteProof, type Invite } from '../../identity/invite.ts'
import { encodeMembershipChain, issueMembershipCert } from '../../identity/certs.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import { frame } from '../streams.ts'
import { MEMBERSHIP_CERT_TTL_MS, PROTOCOL_EXCHANGE_TIMEOUT_MS } from '../constants.ts'
import type { RevocationStore } from './revocation-store.ts'
import { MEMBERS_GROUP } from './constants.ts'
import { InviteBook, type InviteStore } from './invite-book.ts'

export interface JoinServerComponents {
  logger: Logger
  host: { peerId: { toString: () => string }, handle: (p: string, h: (s: Stream, c: Connection) => Promise<void>) => Promise<void>, unhandle: (p: string) => Promise<void> }
  orgRoot: Uint8Array
  admin: { key: Ed25519KeyPair, cert: Uint8Array }
  revocations: RevocationStore
  /** Where the invite ledger lives (see `levelInviteStore`). */
  ledger: InviteStore
  /** Multiaddrs of members to hand to a new member. */
  memberAddrs: () => string[]
  /** Told about each redemption (audit). */
  onJoined?: (info: { peerId: string, inviteId: string, groups: string[], name: string }) => void
  /** Lifetime of the certificates issued. @default MEMBERSHIP_CERT_TTL_MS */
  certTtlMs?: number
}

class JoinRefused extends Error {
  readonly code: WireErrorCode
  constructor (code: WireErrorCode) { super(code); this.code = code }
}

export class JoinServer {
  private readonly c: JoinServerComponents
  /** What this node issued and who redeemed it. */
  readonly invites: InviteBook

  constructor (components: JoinServerComponents) {
    this.c = components
    this.invites = new InviteBook(components.ledger)
  }

  async start (): Promise<void> {
    await this.c.host.handle(JOIN_PROTOCOL, async (stream, connection) => { await this.onJoin(stream, connection) })
  }

  async stop (): Promise<void> {
    await this.c.host.unhandle(JOIN_PROTOCOL).catch(() => {})
  }

  private async onJoin (stream: Stream, connection: Connection): Promise<void> {
    const joiner = connection.remotePeer.toString()
    // anyone with the pre-shared key may talk here: buffer no more than a join request can be (the limit bounds reads only)
    const framed = frame(stream, { maxFrameBytes: MAX_MEMBERSHIP_MESSAGE_BYTES })
    const signal = AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS)
    try {
      const req = await framed.read(decodeJoinRequest, { signal })
      let welcome: JoinWelcome
      try {
        welcome = await this.redeem(req.invite, req.proof, joiner, req.name)
      } catch (err) {
        const code = err instanceof JoinRefused ? err.code : 'internal'
        if (code === 'internal') this.c.logger.error('join from %s failed: %s', joiner, (err as Error).message)
        else this.c.logger('refused join from %s: %s', joiner, code)
        await framed.write(encodeMembershipMessage(refusal(code)), { signal })
        await framed.close()
        return
      }
      await framed.write(encodeMembershipMessage(welcome), { signal })
      await framed.close()
    } catch (err) {
      this.c.logger('bad join exchange from %s: %s', joiner, (err as Error).message)
      framed.reset(err as Error)
    }
  }

  private async redeem (text: string, proof: Uint8Array, joiner: string, name: string): Promise<JoinWelcome> {
    let invite: Invite
    try {
      invite = decodeInvite(text, { orgRoot: this.c.orgRoot })
    } catch (err) {
      throw new JoinRefused((err as Error).name === 'WrongOrgError' ? 'wrong-org' : 'invite-invalid')
    }
    try {
      checkInviteUsable(invite)
    } catch (err) {
      throw new JoinRefused((err as Error).name === 'InviteExpiredError' ? 'invite-expired' : 'invite-invalid')
    }
    if (this.c.revocations.isRevoked({ inviteId: invite.inviteId, peerId: joiner })) throw new JoinRefused('invite-revoked')
    const nonce = new TextEncoder().encode(this.c.host.peerId.toString())
    if (!verifyInviteProof(invite.ephemeralPublicKey, { inviteId: invite.inviteId, joinerPeerId: joiner, nonce }, proof)) {
      throw new JoinRefused('invite-invalid')
    }
    try {
      // checked again inside the ledger's lock: a revocation being signed cannot slip between check and count
      await this.invites.redeem(invite, joiner, () => {
        if (this.c.revocations.isRevoked({ inviteId: invite.inviteId, peerId: joiner })) throw new JoinRefused('invite-revoked')
      })
    } catch (err) {
      if ((err as Error).name === 'InviteUsedUpError') throw new JoinRefused('invite-used')
      throw err
    }
    const groups = [...new Set([MEMBERS_GROUP, ...invite.groups])]
    const chain = issueMembershipCert({ admin: this.c.admin.key, adminCert: this.c.admin.cert, peerId: joiner, groups, ttlMs: this.c.certTtlMs ?? MEMBERSHIP_CERT_TTL_MS })
    this.c.onJoined?.({ peerId: joiner, inviteId: invite.inviteId, groups, name })
    const revocations = this.c.revocations.bytes()
    return {
      v: 1,
      t: 'welcome',
      chain: encodeMembershipChain(chain),
      members: this.c.memberAddrs().slice(0, 64),
      ...(revocations != null ? { revocations } : {})
    }
  }
}
