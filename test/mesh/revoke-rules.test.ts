/**
 * The rules of `revokeMember` over a real revocation store and a real invite
 * ledger (in memory): the last admin is never revoked, yourself only with
 * `force` while another admin exists, and a member's invites go with it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createOrg } from '../../identity/org.ts'
import { issueAdminCert } from '../../identity/admin-cert.ts'
import { createInvite, decodeInvite } from '../../identity/invite.ts'
import { encodeMembershipChain, issueMembershipCert, verifyMembershipChain } from '../../identity/certs.ts'
import { generateKeyPair } from '../../identity/keys.ts'
import { generatePsk } from '../../identity/psk.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { RevocationStore } from '../../node/membership/revocation-store.ts'
import { InviteBook, type InviteStore } from '../../node/membership/invite-book.ts'
import { revokeMember } from '../../node/membership/revoke.ts'
import { createLogger } from '../../node/logger.ts'

function memoryStore (): InviteStore {
  const map = new Map<string, Uint8Array>()
  return { get: async (k) => map.get(k), put: async (k, v) => { map.set(k, v) }, entries: async function * () { yield * map.entries() } }
}

function setup () {
  const org = createOrg('acme')
  const self = peerIdFromPublicKey(org.admin.publicKey)
  let stored: Uint8Array | undefined
  const revocations = new RevocationStore({
    logger: createLogger('test:revocations'),
    orgRoot: org.root.publicKey,
    orgId: 'acme',
    storage: { get: async () => stored, put: async (b) => { stored = b } }
  })
  const members: Array<{ peerId: string, serial: string, chain: Uint8Array }> = []
  const invites = new InviteBook(memoryStore())
  const c = { self, admin: { key: org.admin, cert: org.adminCert }, revocations, members: () => members, invites }
  /** A member admitted with a chain issued by `issuer` (another admin's key and certificate, or ours). */
  const admit = (issuer = { key: org.admin, cert: org.adminCert }): string => {
    const peerId = peerIdFromPublicKey(generateKeyPair().publicKey)
    const chain = issueMembershipCert({ admin: issuer.key, adminCert: issuer.cert, peerId, groups: ['members'] })
    const bytes = encodeMembershipChain(chain)
    members.push({ peerId, serial: verifyMembershipChain(bytes, { orgRoot: org.root.publicKey }).serial, chain: bytes })
    return peerId
  }
  return { org, self, c, admit, revocations, invites }
}

describe('membership/revokeMember', () => {
  it('refuses to revoke the only admin, with or without force', async () => {
    const { c, self, revocations } = setup()
    await assert.rejects(revokeMember(c, self), { name: 'RevokeRefusedError', reason: 'last-admin' })
    await assert.rejects(revokeMember(c, self, { force: true }), { name: 'RevokeRefusedError', reason: 'last-admin' })
    assert.equal(revocations.seq(), 0)
  })

  it('revokes yourself only with force, once another admin is known', async () => {
    const { org, c, self, admit, revocations } = setup()
    const second = generateKeyPair()
    admit({ key: second, cert: issueAdminCert({ root: org.root, orgName: 'acme', admin: second.publicKey }) })
    await assert.rejects(revokeMember(c, self), { name: 'RevokeRefusedError', reason: 'self' })
    assert.equal(revocations.seq(), 0)
    const r = await revokeMember(c, self, { force: true })
    assert.equal(r.seq, 1)
    assert.equal(revocations.isRevoked({ peerId: self }), true)
  })

  it('revokes the invites a member redeemed unless told to keep them', async () => {
    const { org, c, admit, revocations, invites } = setup()
    const make = (): string => createInvite({ admin: org.admin, adminCert: org.adminCert, addrs: ['/ip4/127.0.0.1/tcp/4001'], uses: 3, psk: generatePsk() }).invite
    const [one, two] = [decodeInvite(make()), decodeInvite(make())]
    const m1 = admit()
    const m2 = admit()
    await invites.redeem(one, m1)
    await invites.redeem(two, m2)
    const r1 = await revokeMember(c, m1)
    assert.deepEqual(r1.invites, [one.inviteId])
    assert.equal(revocations.isRevoked({ inviteId: one.inviteId }), true)
    const r2 = await revokeMember(c, m2, { keepInvites: true })
    assert.deepEqual(r2.invites, [])
    assert.equal(revocations.isRevoked({ inviteId: two.inviteId }), false)
    assert.equal(revocations.isRevoked({ peerId: m2 }), true)
  })
})
