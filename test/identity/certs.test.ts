import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encodeCbor } from '../../protocol/cbor.ts'
import {
  createOrg, decodeMembershipChain, encodeMembershipChain, encodeSignedRecord, extendRevocationList, generateKeyPair,
  issueMembershipCert, MEMBERSHIP_CERT_DOMAIN, MEMBERSHIP_CERT_TYPE, openRevocationList, peerIdFromPublicKey, signRecord,
  verifyAdminCert, verifyMembershipChain
} from '../../identity/index.ts'

const T0 = 1_800_000_000_000
const HOUR = 3_600_000
const org = createOrg('acme', { now: T0 - HOUR })
const orgRoot = org.root.publicKey
const member = generateKeyPair()
const peerId = peerIdFromPublicKey(member.publicKey)
const issue = (extra: { ttlMs?: number, now?: number, groups?: string[] } = {}) =>
  issueMembershipCert({ admin: org.admin, adminCert: org.adminCert, peerId, groups: ['eng', 'gpu'], ttlMs: HOUR, now: T0, ...extra })

describe('identity/certs', () => {
  it('a chain verifies and says who the member is, after an encode/decode round trip', () => {
    const chain = issue()
    const bytes = encodeMembershipChain(chain)
    const back = decodeMembershipChain(bytes)
    assert.ok(Buffer.from(back.adminCert).equals(chain.adminCert) && Buffer.from(back.memberCert).equals(chain.memberCert))
    const m = verifyMembershipChain(bytes, { orgRoot, now: T0 + 1000 })
    assert.equal(m.peerId, peerId)
    assert.deepEqual(m.groups, ['eng', 'gpu'])
    assert.equal(m.notAfter, T0 + HOUR)
    assert.equal(m.orgName, 'acme')
    assert.deepEqual(m.issuer, org.admin.publicKey)
    assert.match(m.serial, /^[0-9a-f]{32}$/)
    assert.notEqual(issue().memberCert.toString(), chain.memberCert.toString(), 'serials are fresh')
  })

  it('an expired certificate is CertExpiredError, past the skew tolerance only', () => {
    const chain = issue()
    assert.doesNotThrow(() => verifyMembershipChain(chain, { orgRoot, now: T0 + HOUR + 30_000 }))
    assert.throws(() => verifyMembershipChain(chain, { orgRoot, now: T0 + HOUR + 61_000 }), { name: 'CertExpiredError' })
    assert.throws(() => verifyMembershipChain(chain, { orgRoot, now: T0 + HOUR + 1, skewMs: 0 }), { name: 'CertExpiredError' })
  })

  it('a certificate from the future is CertNotYetValidError, beyond the skew tolerance only', () => {
    const chain = issue()
    assert.doesNotThrow(() => verifyMembershipChain(chain, { orgRoot, now: T0 - 59_000 }))
    assert.throws(() => verifyMembershipChain(chain, { orgRoot, now: T0 - 61_000 }), { name: 'CertNotYetValidError' })
    assert.doesNotThrow(() => verifyMembershipChain(chain, { orgRoot, now: T0 - 5 * 60_000, skewMs: 10 * 60_000 }))
  })

  it('an expired admin certificate invalidates the chain', () => {
    const shortOrg = createOrg('acme', { now: T0, adminTtlMs: HOUR })
    const chain = issueMembershipCert({ admin: shortOrg.admin, adminCert: shortOrg.adminCert, peerId, ttlMs: 10 * HOUR, now: T0 })
    assert.throws(() => verifyMembershipChain(chain, { orgRoot: shortOrg.root.publicKey, now: T0 + 2 * HOUR }), { name: 'CertExpiredError', message: /Admin/ })
  })

  it('a chain of another org is WrongOrgError', () => {
    const other = createOrg('evil', { now: T0 - HOUR })
    const chain = issueMembershipCert({ admin: other.admin, adminCert: other.adminCert, peerId, now: T0 })
    assert.throws(() => verifyMembershipChain(chain, { orgRoot, now: T0 }), { name: 'WrongOrgError' })
  })

  it('an admin certificate signed by another root is UntrustedIssuerError', () => {
    const rogueRoot = generateKeyPair()
    const rogueAdmin = generateKeyPair()
    // claims our org, signed by a key that is not our root
    const cert = { v: 1, org: orgRoot, orgName: 'acme', admin: rogueAdmin.publicKey, notBefore: T0 - HOUR, notAfter: T0 + HOUR, serial: 'ab'.repeat(16) }
    const forgedAdminCert = encodeSignedRecord(signRecord(rogueRoot, 'mycel-admin-cert', 'mycel/admin-cert/1', encodeCbor(cert)))
    assert.throws(() => verifyAdminCert(forgedAdminCert, { orgRoot, now: T0 }), { name: 'UntrustedIssuerError' })
    const memberCert = encodeSignedRecord(signRecord(rogueAdmin, MEMBERSHIP_CERT_DOMAIN, MEMBERSHIP_CERT_TYPE, encodeCbor({
      v: 1, org: orgRoot, peerId, groups: ['admin'], notBefore: T0, notAfter: T0 + HOUR, serial: 'cd'.repeat(16), issuer: rogueAdmin.publicKey
    })))
    assert.throws(() => verifyMembershipChain({ adminCert: forgedAdminCert, memberCert }, { orgRoot, now: T0 }), { name: 'UntrustedIssuerError' })
  })

  it('a member certificate signed by a non-admin is UntrustedIssuerError', () => {
    const mallory = generateKeyPair()
    const payload = encodeCbor({ v: 1, org: orgRoot, peerId, groups: [], notBefore: T0, notAfter: T0 + HOUR, serial: 'ef'.repeat(16), issuer: org.admin.publicKey })
    const memberCert = encodeSignedRecord(signRecord(mallory, MEMBERSHIP_CERT_DOMAIN, MEMBERSHIP_CERT_TYPE, payload))
    assert.throws(() => verifyMembershipChain({ adminCert: org.adminCert, memberCert }, { orgRoot, now: T0 }), { name: 'UntrustedIssuerError' })
    assert.throws(() => issueMembershipCert({ admin: mallory, adminCert: org.adminCert, peerId }), { name: 'UntrustedIssuerError' })
  })

  it('a certificate whose groups were edited is InvalidSignatureError', () => {
    const chain = issue({ groups: ['eng'] })
    const i = Buffer.from(chain.memberCert).indexOf(Buffer.from('eng'))
    const edited = chain.memberCert.slice(); edited.set(new TextEncoder().encode('ops'), i)
    assert.throws(() => verifyMembershipChain({ ...chain, memberCert: edited }, { orgRoot, now: T0 }), { name: 'InvalidSignatureError' })
  })

  it('a revoked certificate, peer or issuing admin is CertRevokedError', () => {
    const chain = issue()
    const m = verifyMembershipChain(chain, { orgRoot, now: T0 })
    const base = { admin: org.admin, adminCert: org.adminCert, now: T0 }
    const cases = [
      extendRevocationList({ ...base, serials: [m.serial] }),
      extendRevocationList({ ...base, peerIds: [peerId] }),
      extendRevocationList({ ...base, serials: [m.adminSerial] })
    ]
    for (const bytes of cases) {
      const revocations = openRevocationList(bytes, { orgRoot, now: T0 })
      assert.throws(() => verifyMembershipChain(chain, { orgRoot, now: T0, revocations }), { name: 'CertRevokedError' })
    }
    const unrelated = openRevocationList(extendRevocationList({ ...base, serials: ['00'.repeat(16)] }), { orgRoot, now: T0 })
    assert.equal(verifyMembershipChain(chain, { orgRoot, now: T0, revocations: unrelated }).peerId, peerId)
  })

  it('refuses to issue for something that is not an Ed25519 peer id', () => {
    assert.throws(() => issueMembershipCert({ admin: org.admin, adminCert: org.adminCert, peerId: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' }), { name: 'InvalidPeerIdError' })
  })

  it('random, truncated and mutated chains and admin certs only ever give typed errors', () => {
    const valid = encodeMembershipChain(issue())
    const typed = new Set(['MalformedMessageError', 'MessageTooLargeError', 'InvalidSignatureError', 'UntrustedIssuerError', 'WrongOrgError',
      'CertExpiredError', 'CertNotYetValidError'])
    const check = (b: Uint8Array): void => {
      try { verifyMembershipChain(b, { orgRoot, now: T0 }) } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
      try { verifyAdminCert(b, { orgRoot, now: T0 }) } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1200 }), check), { numRuns: 1000 })
    fc.assert(fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const m = valid.slice(); m[i] = (m[i] as number) ^ x; check(m)
    }), { numRuns: 1500 })
    for (let n = 0; n < valid.length; n++) check(valid.slice(0, n))
    check(org.adminCert.slice(0, 40))
    fc.assert(fc.property(fc.anything(), v => { check(encodeCbor(v)) }), { numRuns: 300 })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
      check(encodeCbor({ adminCert: a, memberCert: b }))
    }), { numRuns: 300 })
  })
})
