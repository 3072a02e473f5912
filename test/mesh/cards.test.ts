/**
 * Capability cards are only believed when they verify: signature over the
 * exact bytes, signer = the card's peer, this org, a membership chain for
 * that peer, not revoked, not expired, newer than what is held. Every
 * rejection is counted in `status().cards.rejected`, however it arrived
 * (handed in, by gossip, or by the sync exchange).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness, type Harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { cardFor, identityOf, signCard, withBadSignature, withTamperedPayload, type Identity } from '../helpers/cards.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { cardsTopic, SYNC_PROTOCOL } from '../../protocol/cards/ids.ts'
import { encodeSyncMessage, decodeSyncMessage, MAX_SYNC_BYTES } from '../../protocol/cards/card.ts'
import { frame } from '../../node/streams.ts'

describe('capability card verification', { timeout: 180_000 }, () => {
  const h: Harness = harness({ after })
  let a: MycelNode
  let member: Identity
  let outsider: Identity
  let founderHome: string

  const rejected = (): Record<string, number> => a.status().cards.rejected
  const delta = (before: Record<string, number>): Record<string, number> => {
    const now = rejected()
    return Object.fromEntries(Object.entries(now).filter(([k, v]) => v !== (before[k] ?? 0)).map(([k, v]) => [k, v - (before[k] ?? 0)]))
  }
  const held = (peerId: string): { seq: number, name: string } | undefined => a.caps().find(c => c.peerId === peerId) as { seq: number, name: string } | undefined

  before(async () => {
    founderHome = await h.found('acme', 'alpha', { inProcess: true })
    a = await h.node(founderHome)
    const memberHome = await h.join(await h.invite(founderHome, { inProcess: true, uses: 2 }), 'member', { inProcess: true })
    member = await identityOf(memberHome)
    outsider = await identityOf(await h.found('other', 'outsider', { inProcess: true }))
  })

  it('keeps a genuine card and rejects forged, replayed and expired ones, counting each', async () => {
    const before = rejected()
    const first = signCard(member.key, cardFor(member, { seq: 1000, name: 'member' }))
    assert.equal(a.services.cards.accept(first)?.seq, 1000)
    assert.equal(a.services.cards.accept(signCard(member.key, cardFor(member, { seq: 1001, name: 'member' })))?.seq, 1001)

    const forgeries: Array<[string, Uint8Array]> = [
      ['stale', first], // replayed older card, byte for byte
      ['stale', signCard(member.key, cardFor(member, { seq: 999, name: 'rollback' }))],
      ['bad-signature', withBadSignature(signCard(member.key, cardFor(member, { seq: 2000 })))],
      ['bad-signature', withTamperedPayload(signCard(member.key, cardFor(member, { seq: 2001 })), cardFor(member, { seq: 2001, name: 'evil' }))],
      // a key of another org, claiming this org
      ['not-member', signCard(outsider.key, cardFor({ ...outsider, orgId: member.orgId }, { seq: 2002 }))],
      // a non-member presenting a member's (public) chain
      ['not-member', signCard(outsider.key, cardFor({ peerId: outsider.peerId, orgId: member.orgId, chain: member.chain }, { seq: 2003 }))],
      // a non-member speaking for a member
      ['signer-mismatch', signCard(outsider.key, cardFor(member, { seq: 2004 }))],
      ['wrong-org', signCard(member.key, cardFor(member, { seq: 2005, org: outsider.orgId }))],
      ['expired', signCard(member.key, cardFor(member, { seq: 2006, issuedAt: Date.now() - 60_000, expiresAt: Date.now() - 1000 }))],
      ['malformed', new TextEncoder().encode('not a card')],
      ['malformed', new Uint8Array(0)]
    ]
    for (const [reason, bytes] of forgeries) {
      assert.equal(a.services.cards.accept(bytes, 'test'), undefined, `a ${reason} card was accepted`)
    }
    const expected: Record<string, number> = {}
    for (const [reason] of forgeries) expected[reason] = (expected[reason] ?? 0) + 1
    assert.deepEqual(delta(before), expected)
    assert.deepEqual(held(member.peerId), { ...held(member.peerId), seq: 1001, name: 'member' }, 'the genuine card stands')
    assert.equal(held(outsider.peerId), undefined)

    // what a user sees
    const status = (await h.cliInProcess(founderHome, ['status', '--json'])).json<{ cards: { rejected: Record<string, number> } }>()
    assert.deepEqual(status.cards.rejected, rejected())
  })

  it('rejects forged cards arriving from a connected member by gossip and by sync', async () => {
    const b = await h.node(await h.join(await h.invite(founderHome, { inProcess: true }), 'beta', { inProcess: true }))
    await waitFor(() => a.services.gate.isMember(b.peerId) === true && b.services.gate.isMember(a.peerId) === true, { what: 'beta admitted' })
    await waitFor(() => b.services.host.services.pubsub.getSubscribers(cardsTopic(member.orgId)).some(p => p.equals(a.services.host.peerId)), { what: 'gossip mesh between alpha and beta' })
    const before = rejected()

    // gossip: beta relays cards it forged
    await b.services.host.services.pubsub.publish(cardsTopic(member.orgId), signCard(outsider.key, cardFor(member, { seq: 3000 })))
    await b.services.host.services.pubsub.publish(cardsTopic(member.orgId), withBadSignature(signCard(member.key, cardFor(member, { seq: 3001 }))))
    await waitFor(() => (delta(before)['signer-mismatch'] ?? 0) === 1 && (delta(before)['bad-signature'] ?? 0) === 1, { what: 'alpha to reject the gossiped forgeries' })

    // sync: forged cards in the set beta hands over
    const stream = await b.services.host.dialProtocol(a.services.host.peerId, SYNC_PROTOCOL)
    const framed = frame(stream, { maxFrameBytes: MAX_SYNC_BYTES })
    await framed.write(encodeSyncMessage({
      v: 1,
      t: 'sync',
      cards: [
        signCard(member.key, cardFor(member, { seq: 3002, org: outsider.orgId })),
        signCard(outsider.key, cardFor({ ...outsider, orgId: member.orgId }, { seq: 3003 }))
      ]
    }))
    const reply = await framed.read(decodeSyncMessage)
    await framed.close()
    assert.ok(reply.cards.length >= 2, 'alpha still answers the sync with its own cards')
    await waitFor(() => (delta(before)['wrong-org'] ?? 0) === 1 && (delta(before)['not-member'] ?? 0) === 1, { what: 'alpha to reject the synced forgeries' })
    assert.equal(held(member.peerId)?.seq, 1001)
    assert.equal(held(outsider.peerId), undefined)
    assert.equal(a.services.gate.isMember(b.peerId), true, 'forwarding a bad card is not grounds for a disconnect')
  })

  it('answers a sync without the cards the asking member sent it', async () => {
    const b = await h.node(await h.join(await h.invite(founderHome, { inProcess: true }), 'gamma', { inProcess: true }))
    await waitFor(() => a.services.gate.isMember(b.peerId) === true && a.services.cards.card(b.peerId) != null, { what: 'gamma admitted and its card held' })
    const own = a.services.cards.cards().find(c => c.card.peerId === a.peerId)?.bytes
    assert.ok(own != null)
    const stream = await b.services.host.dialProtocol(a.services.host.peerId, SYNC_PROTOCOL)
    const framed = frame(stream, { maxFrameBytes: MAX_SYNC_BYTES })
    await framed.write(encodeSyncMessage({ v: 1, t: 'sync', cards: [own] }))
    const reply = await framed.read(decodeSyncMessage)
    await framed.close()
    assert.equal(reply.cards.some(c => Buffer.compare(c, own) === 0), false, 'alpha does not send back its own card')
    assert.equal(reply.cards.length, a.services.cards.cards().length - 1, 'every other card alpha holds')
  })

  it('drops a revoked member\'s card and rejects its new ones', async () => {
    await a.revoke(member.peerId)
    assert.equal(held(member.peerId), undefined)
    const before = rejected()
    assert.equal(a.services.cards.accept(signCard(member.key, cardFor(member, { seq: 9000 }))), undefined)
    assert.deepEqual(delta(before), { revoked: 1 })
    assert.equal(held(member.peerId), undefined)
  })
})
