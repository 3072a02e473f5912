/**
 * The node's membership state and the rules that read it: this node's own
 * chain and org settings (replaced on renewal, saved to `node.json`), the
 * verification of a peer's chain for the gate and the card verifier, and
 * the groups of a member whether it is connected or only known by its card.
 *
 * @example
 * const credentials = new NodeCredentials({ key, config, save })
 * const gateCreds = gateCredentials({ chain: () => credentials.chain, orgRoot: credentials.orgRoot, revocations })
 * const groupsOf = memberGroups({ gate, cards, orgRoot: credentials.orgRoot, revocations })
 */
import { verifyMembershipChain } from '../../identity/certs.ts'
import { fromHex } from '../../identity/bytes.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import type { RevocationStore } from './revocation-store.ts'
import type { GateCredentials } from './gate.ts'
import type { MemberInfo } from './admission.ts'
import type { WireErrorCode } from '../../protocol/codes.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import type { NodeConfig, OrgSettings } from '../home/config.ts'
import { NotAdminError } from './errors.ts'

const CODE_OF: Record<string, WireErrorCode> = {
  CertExpiredError: 'cert-expired',
  CertNotYetValidError: 'cert-invalid',
  WrongOrgError: 'wrong-org',
  UntrustedIssuerError: 'cert-invalid',
  CertRevokedError: 'revoked',
  InvalidSignatureError: 'cert-invalid',
  MalformedMessageError: 'malformed'
}

/** A membership refusal carrying the wire code to send back. */
export class MembershipRefusedError extends Error {
  static override name = 'MembershipRefusedError'
  readonly code: WireErrorCode
  constructor (code: WireErrorCode, message: string) {
    super(message)
    this.name = MembershipRefusedError.name
    this.code = code
  }
}

export function verifyPeerMembership (chain: Uint8Array, peerId: string, orgRoot: Uint8Array, revocations: RevocationStore): MemberInfo {
  let verified
  try {
    const list = revocations.list()
    verified = verifyMembershipChain(chain, { orgRoot, ...(list != null ? { revocations: list } : {}) })
  } catch (err) {
    const e = err as Error
    throw new MembershipRefusedError(CODE_OF[e.name] ?? 'cert-invalid', e.message)
  }
  if (verified.peerId !== peerId) throw new MembershipRefusedError('cert-invalid', 'Certificate was issued to another peer')
  return { peerId, groups: verified.groups, serial: verified.serial, notAfter: verified.notAfter, chain }
}

export function gateCredentials (opts: { chain: () => Uint8Array, orgRoot: Uint8Array, revocations: RevocationStore }): GateCredentials {
  return {
    chain: opts.chain,
    verify: (chain, peerId) => verifyPeerMembership(chain, peerId, opts.orgRoot, opts.revocations),
    isRevoked: (peerId, serial) => opts.revocations.isRevoked({ peerId, ...(serial != null ? { serial } : {}) }),
    revocationSeq: () => opts.revocations.seq()
  }
}

/** Groups of a member: from its admission when connected, else from the membership chain its verified card carries. */
export function memberGroups (c: {
  gate: { member: (peerId: string) => MemberInfo | undefined }
  cards: { card: (peerId: string) => CapabilityCard | undefined }
  orgRoot: Uint8Array
  revocations: RevocationStore
}): (peerId: string) => string[] | undefined {
  return (peerId) => {
    const admitted = c.gate.member(peerId)?.groups
    if (admitted != null) return admitted
    const card = c.cards.card(peerId)
    if (card == null) return undefined
    try {
      return verifyPeerMembership(card.cert, peerId, c.orgRoot, c.revocations).groups
    } catch {
      return undefined
    }
  }
}

export interface NodeCredentialsInit {
  key: Ed25519KeyPair
  /** A config with `org` set (the node has joined). */
  config: NodeConfig & { org: OrgSettings }
  /** Persists the config after a renewal. */
  save: (config: NodeConfig) => Promise<void>
}

/** This node's identity key, org settings and current membership chain. */
export class NodeCredentials {
  readonly key: Ed25519KeyPair
  readonly orgRoot: Uint8Array
  private config: NodeConfig & { org: OrgSettings }
  private current: Uint8Array
  private currentSerial: string
  private readonly save: (config: NodeConfig) => Promise<void>

  constructor (init: NodeCredentialsInit) {
    this.key = init.key
    this.config = init.config
    this.save = init.save
    this.orgRoot = fromHex(init.config.org.root)
    this.current = new Uint8Array(Buffer.from(init.config.org.chain, 'base64'))
    // the serial names this certificate in a revocation list; an expired chain still has one
    this.currentSerial = verifyMembershipChain(this.current, { orgRoot: this.orgRoot, skewMs: Number.MAX_SAFE_INTEGER }).serial
  }

  get name (): string { return this.config.name }
  get org (): OrgSettings { return this.config.org }
  get chain (): Uint8Array { return this.current }
  get isAdmin (): boolean { return this.config.org.admin }
  /** Serial of this node's current certificate. */
  get serial (): string { return this.currentSerial }

  /** This node's admin key and certificate; throws `NotAdminError` unless it is an admin. */
  admin (): { key: Ed25519KeyPair, cert: Uint8Array } {
    const org = this.config.org
    if (!org.admin || org.adminCert == null) throw new NotAdminError()
    return { key: this.key, cert: new Uint8Array(Buffer.from(org.adminCert, 'base64')) }
  }

  /** Takes a renewed chain (verified against the org root) and saves it; returns its expiry. */
  async adopt (chain: Uint8Array): Promise<number> {
    const verified = verifyMembershipChain(chain, { orgRoot: this.orgRoot })
    const org = { ...this.config.org, chain: Buffer.from(chain).toString('base64'), groups: verified.groups, certExpiresAt: verified.notAfter }
    this.config = { ...this.config, org }
    this.current = chain
    this.currentSerial = verified.serial
    await this.save(this.config)
    return verified.notAfter
  }
}
