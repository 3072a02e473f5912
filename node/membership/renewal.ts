/**
 * Certificate renewal. Members' certificates are short-lived; while a member
 * is in good standing (valid chain, not revoked) an admin node reissues it
 * with the same groups. Members ask when less than half the lifetime is left,
 * trying the admin that issued their certificate first, then every other
 * connected admin.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../logger.ts'
import { RENEW_PROTOCOL } from '../../protocol/ids.ts'
import { decodeRenewReply, decodeRenewRequest, encodeMembershipMessage, refusal } from '../../protocol/membership/messages.ts'
import { RemoteError } from '../../protocol/codes.ts'
import { encodeMembershipChain, issueMembershipCert, verifyMembershipChain, type VerifiedMembership } from '../../identity/certs.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import { frame } from '../streams.ts'
import { CERT_RENEW_REMAINING_FRACTION, MEMBERSHIP_CERT_TTL_MS, PROTOCOL_EXCHANGE_TIMEOUT_MS } from '../constants.ts'
import { MembershipRefusedError, verifyPeerMembership } from './credentials.ts'
import type { RevocationStore } from './revocation-store.ts'

const MAX_RENEW_FRAME_BYTES = 16 * 1024

export interface RenewalServerComponents {
  logger: Logger
  orgRoot: Uint8Array
  admin: { key: Ed25519KeyPair, cert: Uint8Array }
  revocations: RevocationStore
  /** @default MEMBERSHIP_CERT_TTL_MS */
  certTtlMs?: number
}

/** Handles one renewal request on an admin node. */
export async function serveRenewal (stream: Stream, connection: Connection, c: RenewalServerComponents): Promise<void> {
  const peerId = connection.remotePeer.toString()
  const framed = frame(stream, { maxFrameBytes: MAX_RENEW_FRAME_BYTES })
  const signal = AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS)
  try {
    const req = await framed.read(decodeRenewRequest, { signal })
    let reply
    try {
      const member = verifyPeerMembership(req.chain, peerId, c.orgRoot, c.revocations)
      const chain = issueMembershipCert({ admin: c.admin.key, adminCert: c.admin.cert, peerId, groups: member.groups, ttlMs: c.certTtlMs ?? MEMBERSHIP_CERT_TTL_MS })
      reply = { v: 1 as const, t: 'renewed' as const, chain: encodeMembershipChain(chain) }
      c.logger('renewed the certificate of %s', peerId)
    } catch (err) {
      reply = refusal(err instanceof MembershipRefusedError ? err.code : 'internal')
    }
    await framed.write(encodeMembershipMessage(reply), { signal })
    await framed.close()
  } catch (err) {
    framed.reset(err as Error)
  }
}

export function needsRenewal (notBefore: number, notAfter: number, now = Date.now()): boolean {
  const lifetime = Math.max(1, notAfter - notBefore)
  return (notAfter - now) / lifetime < CERT_RENEW_REMAINING_FRACTION
}

/** Asks one admin for a fresh certificate; returns the verified new chain. */
export async function requestRenewal (opts: {
  dial: (peer: PeerId, protocol: string, o: { signal: AbortSignal }) => Promise<Stream>
  admin: string
  chain: Uint8Array
  orgRoot: Uint8Array
  myPeerId: string
}): Promise<{ chain: Uint8Array, verified: VerifiedMembership }> {
  const signal = AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS)
  const stream = await opts.dial(peerIdFromString(opts.admin), RENEW_PROTOCOL, { signal })
  const framed = frame(stream, { maxFrameBytes: MAX_RENEW_FRAME_BYTES })
  await framed.write(encodeMembershipMessage({ v: 1, t: 'renew', chain: opts.chain }), { signal })
  const reply = await framed.read(decodeRenewReply, { signal })
  await framed.close()
  if (reply.t === 'refused') throw new RemoteError(reply.code)
  const verified = verifyMembershipChain(reply.chain, { orgRoot: opts.orgRoot })
  if (verified.peerId !== opts.myPeerId) throw new MembershipRefusedError('cert-invalid', 'Renewed certificate names another peer')
  return { chain: reply.chain, verified }
}
