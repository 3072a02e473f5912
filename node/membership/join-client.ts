/**
 * `mycel join INVITE`: a one-shot exchange, no running node needed. Dials the
 * issuer at the invite's bootstrap addresses over the org's private network,
 * proves possession of the invite, receives a membership certificate, checks
 * it, and stores the org's settings so `mycel start` needs no flags.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeInvite, checkInviteUsable, signInviteProof, type Invite } from '../../identity/invite.ts'
import { verifyMembershipChain } from '../../identity/certs.ts'
import { pskToPnetKey } from '../../identity/psk.ts'
import { toLibp2pPrivateKey, peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { toHex } from '../../identity/bytes.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import { decodeJoinReply, encodeMembershipMessage, type JoinWelcome } from '../../protocol/membership/messages.ts'
import { JOIN_PROTOCOL } from '../../protocol/membership/ids.ts'
import { orgIdOf } from '../../protocol/org.ts'
import { WIRE_ERROR_TEXT } from '../../protocol/codes.ts'
import { createHost } from '../net/host.ts'
import { frame } from '../streams.ts'
import { PROTOCOL_EXCHANGE_TIMEOUT_MS } from '../constants.ts'
import type { NodeConfig, OrgSettings } from '../home/config.ts'
import { JoinFailedError } from './errors.ts'
import { JOIN_DIAL_ROUNDS, JOIN_RETRY_BASE_MS, MAX_JOIN_FRAME_BYTES } from './constants.ts'

export interface JoinResult {
  org: OrgSettings
  /** The revocation list the issuer handed over, to persist. */
  revocations?: Uint8Array
  issuer: string
}

/** Decodes and checks the invite locally first, so typos, expiry and a missing address are reported without dialling anyone. */
export function readInvite (text: string): Invite {
  const invite = decodeInvite(text)
  checkInviteUsable(invite)
  if (invite.addrs.length === 0) throw new JoinFailedError('This invite carries no address to dial; ask an admin for a new one made while the node runs (or with --addr)')
  return invite
}

export async function redeemInvite (opts: { key: Ed25519KeyPair, invite: Invite, text: string, name: string, signal?: AbortSignal }): Promise<JoinResult> {
  const { invite, key } = opts
  const orgId = orgIdOf(invite.org)
  const host = await createHost({
    privateKey: toLibp2pPrivateKey(key),
    listen: [],
    orgId,
    swarmKey: pskToPnetKey(invite.psk)
  })
  await host.start()
  const myPeerId = peerIdFromPublicKey(key.publicKey)
  const errors: string[] = []
  try {
    // a refused or reset connection is worth another try; an exchange that timed out already waited long enough
    let retryable = true
    for (let round = 1; round <= JOIN_DIAL_ROUNDS && retryable; round++) {
      retryable = false
      if (round > 1) await sleep(JOIN_RETRY_BASE_MS * 2 ** (round - 2), undefined, opts.signal != null ? { signal: opts.signal } : {})
      for (const addr of invite.addrs) {
        opts.signal?.throwIfAborted()
        const signal = AbortSignal.any([AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS), ...(opts.signal != null ? [opts.signal] : [])])
        let reply
        let issuer: string
        try {
          const conn = await host.dial(multiaddr(addr), { signal })
          issuer = conn.remotePeer.toString()
          const stream = await conn.newStream(JOIN_PROTOCOL, { signal })
          const framed = frame(stream, { maxFrameBytes: MAX_JOIN_FRAME_BYTES })
          const proof = signInviteProof(invite, { joinerPeerId: myPeerId, nonce: new TextEncoder().encode(issuer) })
          await framed.write(encodeMembershipMessage({ v: 1, t: 'join', invite: opts.text.replace(/\s+/g, ''), proof, name: opts.name }), { signal })
          reply = await framed.read(decodeJoinReply, { signal })
          await framed.close()
        } catch (err) {
          errors.push(`${addr}: ${(err as Error).message}`)
          if ((err as Error).name !== 'TimeoutError' && (err as Error).name !== 'AbortError') retryable = true
          continue
        }
        if (reply.t === 'refused') {
          throw new JoinFailedError(`Join refused by the issuer: ${WIRE_ERROR_TEXT[reply.code]}`, reply.code)
        }
        return { org: checkWelcome(reply, invite, myPeerId, orgId), ...(reply.revocations != null ? { revocations: reply.revocations } : {}), issuer }
      }
    }
    throw new JoinFailedError(`Could not reach the issuer at any of the invite's ${invite.addrs.length} address(es) (${errors.length} tries)${errors.length > 0 ? ` (${errors[errors.length - 1]})` : ''}`)
  } finally {
    await host.stop()
  }
}

function checkWelcome (welcome: JoinWelcome, invite: Invite, myPeerId: string, orgId: string): OrgSettings {
  let verified
  try {
    verified = verifyMembershipChain(welcome.chain, { orgRoot: invite.org })
  } catch (err) {
    throw new JoinFailedError(`The issuer sent an invalid certificate: ${(err as Error).message}`)
  }
  if (verified.peerId !== myPeerId) throw new JoinFailedError('The issuer sent a certificate for another peer')
  return {
    name: verified.orgName,
    root: toHex(invite.org),
    id: orgId,
    psk: toHex(invite.psk),
    bootstrap: [...new Set([...invite.addrs, ...welcome.members])].filter(a => !a.endsWith(`/p2p/${myPeerId}`)).slice(0, 64),
    chain: Buffer.from(welcome.chain).toString('base64'),
    groups: verified.groups,
    certExpiresAt: verified.notAfter,
    admin: false
  }
}

export function withOrg (config: NodeConfig, org: OrgSettings): NodeConfig {
  return { ...config, org }
}
