/**
 * node/membership/: who belongs to the mesh, enforced on every connection.
 * `admission.ts` holds who is admitted and fences everyone else off;
 * `gate.ts` runs the membership exchange on connect; `credentials.ts` holds
 * this node's own chain and verifies others'; `renewal.ts` keeps
 * certificates fresh; `join-server.ts`/`join-client.ts` redeem invites;
 * `revocation-store.ts` and `enforcement.ts` keep and act on the
 * revocation list.
 *
 * @example
 * const admission = new Admission({ isRevoked })
 * const gate = membershipGate()({ logger, credentials: gateCredentials({ chain, orgRoot, revocations }), admission, host })
 * await gate.start()
 * gate.isMember(peerId)
 */
export { Admission, type MemberInfo } from './admission.ts'
export { membershipGate, MembershipGate, type GateCredentials } from './gate.ts'
export { gateCredentials, memberGroups, MembershipRefusedError, NodeCredentials, verifyPeerMembership } from './credentials.ts'
export { certificateRenewal, CertificateRenewal, renewalServer } from './renewal.ts'
export { revocationEnforcement } from './enforcement.ts'
export { RevocationStore } from './revocation-store.ts'
export { JoinServer } from './join-server.ts'
export { JoinFailedError, NotAdminError, NotAMemberError } from './errors.ts'
