/**
 * identity/: who a node is and who belongs to the org. Ed25519 keys (one per
 * node, also its libp2p PeerId), key files at rest, organisations (root →
 * admin → member certificates), invites, revocation lists and the signed
 * records they are all made of. Pure: bytes and keys in, bytes and verdicts
 * out; the only I/O is the key files.
 *
 * @example
 * const org = createOrg('acme')
 * const node = generateKeyPair()
 * const chain = issueMembershipCert({ admin: org.admin, adminCert: org.adminCert, peerId: peerIdFromPublicKey(node.publicKey), groups: ['eng'] })
 * const member = verifyMembershipChain(encodeMembershipChain(chain), { orgRoot: org.root.publicKey })
 * const { invite } = createInvite({ admin: org.admin, adminCert: org.adminCert, addrs: ['/ip4/10.0.0.1/tcp/4001'], psk: generatePsk() })
 * decodeInvite(invite, { orgRoot: org.root.publicKey })
 */
export { generateKeyPair, keyPairFromSeed, sign, signNoble, verify, verifyNoble, type Ed25519KeyPair } from './keys.ts'
export { isPeerId, peerIdFromPublicKey, publicKeyFromPeerId, toLibp2pPrivateKey } from './peer-id.ts'
export { writeFileAtomic, type WriteFileAtomicInit } from './atomic-write.ts'
export {
  inspectSecretFile, loadSecretFile, openSecretFile, saveSecretFile, sealSecretFile,
  type LoadSecretFileInit, type SaveSecretFileInit, type SecretFileContents, type SecretFileInfo
} from './secret-file.ts'
export { loadKeyPair, loadNodeKey, NODE_KEY_LABEL, saveKeyPair, saveNodeKey, type KeyFileInit } from './keystore.ts'
export {
  decodeSignedRecord, encodeSignedRecord, openSignedRecord, recordSigningBytes, signRecord, verifySignedRecord,
  type OpenedRecord, type OpenSignedRecordInit, type SignedRecord
} from './signed-record.ts'
export { createOrg, type CreateOrgInit, type Org } from './org.ts'
export {
  ADMIN_CERT_DOMAIN, ADMIN_CERT_TYPE, issueAdminCert, openAdminCert, verifyAdminCert,
  type AdminCert, type IssueAdminCertInit, type VerifyAdminCertInit
} from './admin-cert.ts'
export {
  decodeMembershipChain, encodeMembershipChain, issueMembershipCert, MEMBERSHIP_CERT_DOMAIN, MEMBERSHIP_CERT_TYPE, verifyMembershipChain,
  type IssueMembershipCertInit, type MembershipCert, type MembershipChain, type VerifiedMembership, type VerifyMembershipInit
} from './certs.ts'
export {
  checkInviteUsable, createInvite, decodeInvite, INVITE_PREFIX, signInviteProof, verifyInviteProof,
  type CreatedInvite, type CreateInviteInit, type DecodeInviteInit, type Invite, type InviteProofInput
} from './invite.ts'
export { generatePsk, PSK_BYTES, pskToPnetKey } from './psk.ts'
export {
  extendRevocationList, isRevoked, mergeRevocation, openRevocationList, signRevocationList,
  type ExtendRevocationListInit, type OpenRevocationListInit, type RevocationList, type RevocationQuery,
  type SignRevocationListInit, type VerifiedRevocationList
} from './revocation.ts'
export { checkValidity, type ValidityInit } from './validity.ts'
export * from './constants.ts'
export * from './errors.ts'
export { InvalidSignatureError, MalformedMessageError, MessageTooLargeError, UnsupportedVersionError } from '../protocol/errors.ts'
export {
  AGENT_CERT_DOMAIN, AGENT_CERT_TYPE, AGENT_NAME, issueAgentCert, openAgentCert, verifyAgentCert,
  type AgentCert, type IssueAgentCertInit, type VerifyAgentCertInit
} from './agent-cert.ts'
export { adminCertOf, openAdminRecord, signAdminRecord, type AdminRecordKind, type OpenAdminRecordInit } from './admin-signed.ts'
export {
  approvedEntry, MODEL_CATALOG_DOMAIN, MODEL_CATALOG_TYPE, nextModelCatalog, openModelCatalog,
  type CatalogEntry, type ModelCatalog, type NextCatalogInit, type VerifiedModelCatalog
} from './model-catalog.ts'
export { chainCrypto, nodeLinkSigner } from './chain-crypto.ts'
