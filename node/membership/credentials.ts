/**
 * Turns the node's membership state (its chain, the org root, the revocation
 * list) into what the gate and the card verifier need.
 */
import { verifyMembershipChain } from '../../identity/certs.ts'
import type { RevocationStore } from './revocation-store.ts'
import type { GateCredentials, MemberInfo } from './gate.ts'
import type { WireErrorCode } from '../../protocol/codes.ts'

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
