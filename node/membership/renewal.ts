/**
 * Certificate renewal. Members' certificates are short-lived; while a member
 * is in good standing (valid chain, not revoked) an admin node reissues it
 * with the same groups. Members ask when less than half the lifetime is left,
 * trying the admin that issued their certificate first, then every other
 * connected admin.
 *
 * @example
 * const renewal = certificateRenewal()({ logger, credentials, gate, cards, host })
 * await renewal.start() // checks every CERT_RENEW_CHECK_INTERVAL_MS
 * await renewal.renewIfDue(true) // now, whatever is left
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import type { Logger } from '../logger.ts'
import { RENEW_PROTOCOL } from '../../protocol/membership/ids.ts'
import { decodeRenewReply, decodeRenewRequest, encodeMembershipMessage, refusal } from '../../protocol/membership/messages.ts'
import { RemoteError } from '../../protocol/codes.ts'
import { encodeMembershipChain, issueMembershipCert, verifyMembershipChain, type VerifiedMembership } from '../../identity/certs.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { frame } from '../streams.ts'
import { CERT_RENEW_CHECK_INTERVAL_MS, CERT_RENEW_REMAINING_FRACTION, MEMBERSHIP_CERT_TTL_MS, PROTOCOL_EXCHANGE_TIMEOUT_MS } from '../constants.ts'
import { MembershipRefusedError, verifyPeerMembership, type NodeCredentials } from './credentials.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
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

/**
 * This node's renewed chain, or undefined when none is due or no admin could
 * renew it. An admin issues its own; a member asks the admin that issued its
 * certificate first, then every other admitted admin it knows of.
 */
export async function renewChain (opts: {
  chain: Uint8Array
  orgRoot: Uint8Array
  self: string
  force?: boolean
  /** This node's admin key and certificate, when it is an admin. */
  admin?: { key: Ed25519KeyPair, cert: Uint8Array }
  certTtlMs: number
  /** Peer ids of other admins (from their cards). */
  admins: string[]
  isMember: (peerId: string) => boolean
  dial: (peer: PeerId, protocol: string, o: { signal: AbortSignal }) => Promise<Stream>
  logger: Logger
}): Promise<Uint8Array | undefined> {
  const verified = verifyMembershipChain(opts.chain, { orgRoot: opts.orgRoot, skewMs: Number.MAX_SAFE_INTEGER })
  if (opts.force !== true && !needsRenewal(verified.notBefore, verified.notAfter)) return undefined
  if (opts.admin != null) {
    return encodeMembershipChain(issueMembershipCert({ admin: opts.admin.key, adminCert: opts.admin.cert, peerId: opts.self, groups: verified.groups, ttlMs: opts.certTtlMs }))
  }
  for (const admin of new Set([peerIdFromPublicKey(verified.issuer), ...opts.admins])) {
    if (admin === opts.self || !opts.isMember(admin)) continue
    try {
      return (await requestRenewal({ dial: opts.dial, admin, chain: opts.chain, orgRoot: opts.orgRoot, myPeerId: opts.self })).chain
    } catch (err) {
      opts.logger('renewal with %s failed: %s', admin, (err as Error).message)
    }
  }
  return undefined
}

type Dial = (peer: PeerId, protocol: string, o: { signal: AbortSignal }) => Promise<Stream>

export interface RenewalInit {
  /** @default CERT_RENEW_CHECK_INTERVAL_MS */
  checkIntervalMs?: number
  /** Lifetime of the certificates an admin node issues itself. @default MEMBERSHIP_CERT_TTL_MS */
  certTtlMs?: number
}

export interface RenewalComponents {
  logger: Logger
  credentials: NodeCredentials
  gate: { isMember: (peerId: string) => boolean, enforceExpiry: () => Promise<void>, announce: () => Promise<void> }
  cards: { cards: () => Array<{ card: CapabilityCard }>, publish: () => Promise<unknown> }
  host: { dialProtocol: Dial }
}

export function certificateRenewal (init: RenewalInit = {}) {
  return (components: RenewalComponents) => new CertificateRenewal(components, init)
}

/** Periodic upkeep of membership: drops members whose certificates expired, renews our own when due. */
export class CertificateRenewal {
  private readonly c: RenewalComponents
  private readonly certTtlMs: number
  private readonly task: RepeatingTask

  constructor (components: RenewalComponents, init: RenewalInit) {
    this.c = components
    this.certTtlMs = init.certTtlMs ?? MEMBERSHIP_CERT_TTL_MS
    this.task = repeatingTask(async () => { await this.maintain() }, init.checkIntervalMs ?? CERT_RENEW_CHECK_INTERVAL_MS)
  }

  start (): void { this.task.start() }
  stop (): void { this.task.stop() }

  private async maintain (): Promise<void> {
    try {
      await this.c.gate.enforceExpiry()
      await this.renewIfDue()
    } catch (err) {
      this.c.logger('maintenance failed: %s', (err as Error).message)
    }
  }

  /** Renews this node's certificate when less than half its lifetime is left (or now, with `force`). Returns whether it renewed. */
  async renewIfDue (force = false): Promise<boolean> {
    const { credentials } = this.c
    const renewed = await renewChain({
      chain: credentials.chain,
      orgRoot: credentials.orgRoot,
      self: peerIdFromPublicKey(credentials.key.publicKey),
      force,
      ...(credentials.isAdmin ? { admin: credentials.admin() } : {}),
      certTtlMs: this.certTtlMs,
      admins: this.c.cards.cards().filter(h => h.card.roles.includes('admin')).map(h => h.card.peerId),
      isMember: (peerId) => this.c.gate.isMember(peerId),
      dial: async (p, proto, o) => await this.c.host.dialProtocol(p, proto, o),
      logger: this.c.logger
    })
    if (renewed == null) return false
    const notAfter = await credentials.adopt(renewed)
    // members hold the expiry of the chain we presented on connect: show them the new one, or they drop us at the old expiry
    await this.c.gate.announce()
    await this.c.cards.publish()
    this.c.logger('membership certificate renewed until %s', new Date(notAfter).toISOString())
    return true
  }
}

export interface RenewalServerInit {
  /** @default MEMBERSHIP_CERT_TTL_MS */
  certTtlMs?: number
}

export interface RenewalServerServiceComponents {
  logger: Logger
  host: { handle: (p: string, h: (s: Stream, c: Connection) => Promise<void>) => Promise<void>, unhandle: (p: string) => Promise<void> }
  credentials: NodeCredentials
  revocations: RevocationStore
}

/** Serves `RENEW_PROTOCOL` on an admin node. */
export function renewalServer (init: RenewalServerInit = {}) {
  return (c: RenewalServerServiceComponents) => ({
    start: async (): Promise<void> => {
      const server = { logger: c.logger, orgRoot: c.credentials.orgRoot, admin: c.credentials.admin(), revocations: c.revocations, ...(init.certTtlMs != null ? { certTtlMs: init.certTtlMs } : {}) }
      await c.host.handle(RENEW_PROTOCOL, async (stream, connection) => { await serveRenewal(stream, connection, server) })
    },
    stop: async (): Promise<void> => { await c.host.unhandle(RENEW_PROTOCOL).catch(() => {}) }
  })
}
