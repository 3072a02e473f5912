import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encodeCbor } from '../../protocol/cbor.ts'
import {
  createOrg, extendRevocationList, generateKeyPair, isRevoked, issueAdminCert, mergeRevocation, openRevocationList, signRevocationList
} from '../../identity/index.ts'

const T0 = 1_800_000_000_000
const org = createOrg('acme', { now: T0 })
const orgRoot = org.root.publicKey
const base = { admin: org.admin, adminCert: org.adminCert, now: T0 }
const SERIAL = 'aa'.repeat(16)
const INVITE = 'bb'.repeat(16)
const PEER = '12D3KooWDkid2NxppJuNyAjSUJy5dCp2WQjUEbhcar2ST9HAFPuh'

describe('identity/revocation', () => {
  it('a signed list verifies back to the root and answers who is revoked', () => {
    const bytes = signRevocationList({ ...base, seq: 3, serials: [SERIAL], peerIds: [PEER], inviteIds: [INVITE] })
    const list = openRevocationList(bytes, { orgRoot, now: T0 })
    assert.equal(list.seq, 3)
    assert.deepEqual(list.issuer, org.admin.publicKey)
    assert.deepEqual(list.bytes, bytes)
    assert.equal(isRevoked(list, { serial: SERIAL }), true)
    assert.equal(isRevoked(list, { peerId: PEER }), true)
    assert.equal(isRevoked(list, { inviteId: INVITE }), true)
    assert.equal(isRevoked(list, { serial: 'cc'.repeat(16), peerId: 'x', inviteId: 'dd'.repeat(16) }), false)
    assert.equal(isRevoked(undefined, { serial: SERIAL }), false)
  })

  it('a lower or equal sequence number never replaces a higher one', () => {
    const l5 = openRevocationList(signRevocationList({ ...base, seq: 5, serials: [SERIAL] }), { orgRoot, now: T0 })
    const l4 = openRevocationList(signRevocationList({ ...base, seq: 4 }), { orgRoot, now: T0 })
    const l5b = openRevocationList(signRevocationList({ ...base, seq: 5 }), { orgRoot, now: T0 })
    const l6 = openRevocationList(signRevocationList({ ...base, seq: 6 }), { orgRoot, now: T0 })
    assert.equal(mergeRevocation(undefined, l4), l4)
    assert.equal(mergeRevocation(l5, l4), l5)
    assert.equal(mergeRevocation(l5, l5b), l5)
    assert.equal(mergeRevocation(l5, l6), l6)
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }), seqs => {
      let kept
      for (const seq of seqs) kept = mergeRevocation(kept, { ...l4, seq })
      assert.equal(kept?.seq, Math.max(...seqs))
    }))
  })

  it('extending a list keeps its entries and bumps the sequence number', () => {
    const first = openRevocationList(extendRevocationList({ ...base, serials: [SERIAL] }), { orgRoot, now: T0 })
    const next = openRevocationList(extendRevocationList({ ...base, current: first, peerIds: [PEER], serials: [SERIAL] }), { orgRoot, now: T0 })
    assert.equal(first.seq, 1)
    assert.equal(next.seq, 2)
    assert.deepEqual(next.serials, [SERIAL])
    assert.deepEqual(next.peerIds, [PEER])
  })

  it('refuses lists of another org, from a non-admin, or from an expired admin', () => {
    const other = createOrg('evil', { now: T0 })
    const foreign = signRevocationList({ admin: other.admin, adminCert: other.adminCert, seq: 99, now: T0 })
    assert.throws(() => openRevocationList(foreign, { orgRoot, now: T0 }), { name: 'WrongOrgError' })
    assert.throws(() => signRevocationList({ ...base, admin: generateKeyPair(), seq: 1 }), { name: 'UntrustedIssuerError' })
    const shortCert = issueAdminCert({ root: org.root, orgName: 'acme', admin: org.admin.publicKey, ttlMs: 1000, now: T0 })
    const stale = signRevocationList({ ...base, adminCert: shortCert, seq: 1 })
    assert.throws(() => openRevocationList(stale, { orgRoot, now: T0 + 10 * 60_000 }), { name: 'CertExpiredError' })
    const l1 = openRevocationList(signRevocationList({ ...base, seq: 1 }), { orgRoot, now: T0 })
    const o2 = openRevocationList(foreign, { orgRoot: other.root.publicKey, now: T0 })
    assert.throws(() => mergeRevocation(l1, o2), { name: 'WrongOrgError' })
  })

  it('bounds the number of entries', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => i.toString(16).padStart(32, '0'))
    assert.throws(() => signRevocationList({ ...base, seq: 1, serials: many }), { name: 'MalformedMessageError' })
    const full = signRevocationList({ ...base, seq: 1, serials: many.slice(0, 10_000) })
    assert.equal(openRevocationList(full, { orgRoot, now: T0 }).serials.length, 10_000)
  })

  it('random, truncated and mutated lists only ever give typed errors', () => {
    const valid = signRevocationList({ ...base, seq: 7, serials: [SERIAL], peerIds: [PEER], inviteIds: [INVITE] })
    const typed = new Set(['MalformedMessageError', 'MessageTooLargeError', 'InvalidSignatureError', 'UntrustedIssuerError', 'WrongOrgError',
      'CertExpiredError', 'CertNotYetValidError'])
    const check = (b: Uint8Array): void => {
      try {
        const list = openRevocationList(b, { orgRoot, now: T0 })
        assert.equal(list.seq, 7)
      } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1000 }), check), { numRuns: 1000 })
    fc.assert(fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const m = valid.slice(); m[i] = (m[i] as number) ^ x; check(m)
    }), { numRuns: 1500 })
    for (let n = 0; n < valid.length; n++) check(valid.slice(0, n))
    fc.assert(fc.property(fc.anything(), v => { check(encodeCbor(v)) }), { numRuns: 300 })
  })
})
