import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { bech32m } from '@scure/base'
import fc from 'fast-check'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import {
  checkInviteUsable, createInvite, createOrg, decodeInvite, generateKeyPair, generatePsk, peerIdFromPublicKey,
  recordSigningBytes, sign, signInviteProof, verifyInviteProof
} from '../../identity/index.ts'
import { lengthPrefixed } from '../../identity/bytes.ts'

const T0 = 1_800_000_000_000
const HOUR = 3_600_000
const org = createOrg('acme', { now: T0 - HOUR })
const orgRoot = org.root.publicKey
const psk = generatePsk()
const issuerId = peerIdFromPublicKey(generateKeyPair().publicKey)
const addrs = [`/ip4/192.168.1.10/tcp/4001/p2p/${issuerId}`, `/ip6/::1/tcp/4001/p2p/${issuerId}`]
const created = createInvite({ admin: org.admin, adminCert: org.adminCert, addrs, groups: ['eng'], psk, now: T0, ttlMs: HOUR })
const joiner = peerIdFromPublicKey(generateKeyPair().publicKey)
const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'

function recode (invite: string, edit: (parts: Uint8Array[]) => Uint8Array[]): string {
  const { words } = bech32m.decode(invite as `mycel1${string}`, 8192)
  const parts = decodeCbor(bech32m.fromWords(words), { maxBytes: 8192 }) as Uint8Array[]
  return bech32m.encode('mycel', bech32m.toWords(encodeCbor(edit(parts))), 8192)
}

describe('identity/invite', () => {
  it('round-trips: the joiner learns org, issuer, addresses, groups, uses, expiry and psk', () => {
    assert.match(created.invite, /^mycel1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/)
    const inv = decodeInvite(created.invite, { orgRoot })
    assert.deepEqual(inv.org, orgRoot)
    assert.equal(inv.orgName, 'acme')
    assert.deepEqual(inv.issuer, org.admin.publicKey)
    assert.deepEqual(inv.addrs, addrs)
    assert.deepEqual(inv.groups, ['eng'])
    assert.equal(inv.uses, 1)
    assert.equal(inv.expiresAt, T0 + HOUR)
    assert.equal(inv.inviteId, created.inviteId)
    assert.deepEqual(inv.psk, psk)
    assert.deepEqual(inv.ephemeralPublicKey, created.ephemeralPublicKey)
    assert.equal(created.uses, 1)
    assert.ok(created.invite.length < 1100, `invite is ${created.invite.length} characters`)
  })

  it('accepts the invite in upper case or wrapped over lines, as it may be pasted', () => {
    assert.equal(decodeInvite(created.invite.toUpperCase()).inviteId, created.inviteId)
    const wrapped = '  ' + created.invite.match(/.{1,60}/g)?.join('\n') + '\n'
    assert.equal(decodeInvite(wrapped).inviteId, created.inviteId)
  })

  it('names every single-character substitution a typo', () => {
    const s = created.invite
    let tried = 0
    for (let pos = 0; pos < s.length; pos += pos < 12 ? 1 : 7) {
      for (const c of [ALPHABET[(ALPHABET.indexOf(s[pos] as string) + 1) % 32] as string, 'b', '1', 'Q', 'o']) {
        if (c === s[pos]) continue
        const typo = s.slice(0, pos) + c + s.slice(pos + 1)
        assert.throws(() => decodeInvite(typo), { name: 'InviteTypoError', message: /typo/ }, `position ${pos} -> ${c}`)
        tried++
      }
    }
    assert.ok(tried > 500)
    assert.throws(() => decodeInvite(s.slice(0, -1)), { name: 'InviteTypoError' })
    assert.throws(() => decodeInvite(s.slice(0, 400)), { name: 'InviteTypoError' })
  })

  it('an invite altered with a recomputed checksum is InviteTamperedError, not a typo', () => {
    const moreUses = recode(created.invite, ([cert, body, sig]) => {
      const b = decodeCbor(body as Uint8Array, { maxBytes: 8192 }) as Record<string, unknown>
      return [cert as Uint8Array, encodeCbor({ ...b, u: 1000, g: ['admin'] }), sig as Uint8Array]
    })
    assert.throws(() => decodeInvite(moreUses), { name: 'InviteTamperedError' })
    const otherCert = recode(created.invite, ([, body, sig]) => [createOrg('acme').adminCert, body as Uint8Array, sig as Uint8Array])
    assert.throws(() => decodeInvite(otherCert), { name: 'InviteTamperedError' })
    const flipped = recode(created.invite, ([cert, body, sig]) => { const b = (body as Uint8Array).slice(); b[b.length - 1] = (b[b.length - 1] as number) ^ 1; return [cert as Uint8Array, b, sig as Uint8Array] })
    assert.throws(() => decodeInvite(flipped), { name: 'InviteTamperedError' })
  })

  it('an invite re-signed by a key that is not an admin is InviteTamperedError', () => {
    const mallory = generateKeyPair()
    assert.throws(() => createInvite({ admin: mallory, adminCert: org.adminCert, addrs, psk }), { name: 'UntrustedIssuerError' })
    const forged = recode(created.invite, ([cert, body]) => {
      const b = encodeCbor({ ...(decodeCbor(body as Uint8Array, { maxBytes: 8192 }) as Record<string, unknown>), g: ['admin'] })
      const msg = recordSigningBytes('mycel-invite', 'mycel/invite/1', lengthPrefixed(cert as Uint8Array, b))
      return [cert as Uint8Array, b, sign(mallory.secretKey, msg)]
    })
    assert.throws(() => decodeInvite(forged), { name: 'InviteTamperedError' })
  })

  it('an invite to another org is WrongOrgError when the org is known', () => {
    const other = createOrg('acme')
    const inv = createInvite({ admin: other.admin, adminCert: other.adminCert, addrs, psk })
    assert.throws(() => decodeInvite(inv.invite, { orgRoot }), { name: 'WrongOrgError' })
  })

  it('an expired invite decodes for inspection but is not usable', () => {
    const inv = decodeInvite(created.invite)
    assert.doesNotThrow(() => checkInviteUsable(inv, T0 + HOUR - 1))
    assert.throws(() => checkInviteUsable(inv, T0 + HOUR + 1), { name: 'InviteExpiredError', message: /expired/ })
    assert.throws(() => checkInviteUsable(inv, T0 + 400 * 24 * HOUR), { name: 'InviteExpiredError' })
  })

  it('an invite whose issuing admin certificate has expired is not usable', () => {
    const shortOrg = createOrg('acme', { now: T0, adminTtlMs: HOUR })
    const inv = decodeInvite(createInvite({ admin: shortOrg.admin, adminCert: shortOrg.adminCert, addrs, psk, now: T0, ttlMs: 10 * HOUR }).invite)
    assert.throws(() => checkInviteUsable(inv, T0 + 2 * HOUR), { name: 'CertExpiredError' })
  })

  it('the joiner proves possession for its own peer id and the given nonce only', () => {
    const inv = decodeInvite(created.invite)
    const nonce = new Uint8Array(32).fill(5)
    const sig = signInviteProof(inv, { joinerPeerId: joiner, nonce })
    const input = { inviteId: created.inviteId, joinerPeerId: joiner, nonce }
    assert.equal(verifyInviteProof(created.ephemeralPublicKey, input, sig), true)
    assert.equal(verifyInviteProof(created.ephemeralPublicKey, { ...input, nonce: new Uint8Array(32) }, sig), false)
    assert.equal(verifyInviteProof(created.ephemeralPublicKey, { ...input, joinerPeerId: issuerId }, sig), false)
    assert.equal(verifyInviteProof(created.ephemeralPublicKey, { ...input, inviteId: '00'.repeat(16) }, sig), false)
    assert.equal(verifyInviteProof(generateKeyPair().publicKey, input, sig), false)
    assert.equal(verifyInviteProof(created.ephemeralPublicKey, { ...input, inviteId: 'zz' }, sig), false)
  })

  it('bounds what an invite may carry and how long the input may be', () => {
    const base = { admin: org.admin, adminCert: org.adminCert, psk }
    assert.throws(() => createInvite({ ...base, addrs: Array(9).fill('/ip4/1.2.3.4/tcp/1') }), { name: 'MalformedMessageError' })
    assert.throws(() => createInvite({ ...base, addrs: ['/' + 'a'.repeat(256)] }), { name: 'MalformedMessageError' })
    assert.throws(() => createInvite({ ...base, addrs, groups: Array.from({ length: 17 }, (_, i) => `g${i}`) }), { name: 'MalformedMessageError' })
    assert.throws(() => createInvite({ ...base, addrs, psk: new Uint8Array(31) }), { name: 'MalformedMessageError' })
    const biggest = createInvite({ ...base, addrs: Array(8).fill('/' + 'a'.repeat(255)), groups: Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(64, 'g')), uses: 10_000 })
    assert.equal(decodeInvite(biggest.invite).addrs.length, 8)
    assert.throws(() => decodeInvite('mycel1' + 'q'.repeat(9000)), { name: 'MalformedInviteError', message: /too long/ })
  })

  it('something that is not an invite at all is MalformedInviteError', () => {
    assert.throws(() => decodeInvite('hello world'), { name: 'MalformedInviteError' })
    assert.throws(() => decodeInvite(bech32m.encode('bc', bech32m.toWords(new Uint8Array(20)))), { name: 'MalformedInviteError' })
    assert.throws(() => decodeInvite(bech32m.encode('mycel', bech32m.toWords(new Uint8Array(20)))), { name: 'MalformedInviteError' })
    assert.throws(() => decodeInvite(''), { name: 'MalformedInviteError' })
  })

  it('random, mutated and re-checksummed strings only ever give typed errors', () => {
    const typed = new Set(['InviteTypoError', 'MalformedInviteError', 'InviteTamperedError', 'UnsupportedVersionError', 'WrongOrgError'])
    const check = (s: string): void => {
      try {
        const inv = decodeInvite(s, { orgRoot })
        assert.equal(inv.inviteId, created.inviteId)
      } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    fc.assert(fc.property(fc.string({ maxLength: 1200 }), check), { numRuns: 500 })
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 1200 }), s => { check('mycel1' + s) }), { numRuns: 500 })
    const { words } = bech32m.decode(created.invite as `mycel1${string}`, 8192)
    const data = bech32m.fromWords(words)
    fc.assert(fc.property(fc.nat(data.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const m = data.slice(); m[i] = (m[i] as number) ^ x
      check(bech32m.encode('mycel', bech32m.toWords(m), 8192))
    }), { numRuns: 1500 })
    for (let n = 0; n < data.length; n += 3) check(bech32m.encode('mycel', bech32m.toWords(data.slice(0, n)), 8192))
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), b => { check(bech32m.encode('mycel', bech32m.toWords(b), 8192)) }), { numRuns: 500 })
    fc.assert(fc.property(fc.anything(), v => { check(bech32m.encode('mycel', bech32m.toWords(encodeCbor(v)), 8192)) }), { numRuns: 300 })
  })
})
