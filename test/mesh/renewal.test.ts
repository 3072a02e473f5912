/**
 * Certificates renew by themselves: with short-lived certificates a member
 * keeps getting fresh ones from the admin and stays in the mesh well past the
 * lifetime of the certificate it joined with.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'

const CERT_TTL_MS = 6_000
const CHECK_MS = 300

test('a member renews its certificate before expiry and is never dropped for it', async (t) => {
  const h = harness(t)
  const founderHome = await h.found('acme', 'alpha', { inProcess: true })
  const a = await h.node(founderHome, { certTtlMs: CERT_TTL_MS, renewCheckIntervalMs: CHECK_MS })
  const memberHome = await h.join(await h.invite(founderHome, { inProcess: true }), 'beta', { inProcess: true })
  const b = await h.node(memberHome, { renewCheckIntervalMs: CHECK_MS })
  await waitFor(() => a.services.gate.isMember(b.peerId) === true && b.services.gate.isMember(a.peerId) === true, { what: 'beta admitted' })

  const drops: string[] = []
  a.services.gate.addEventListener('member:removed', (evt) => { if (evt.detail.peerId === b.peerId) drops.push(evt.detail.reason) })
  b.services.gate.addEventListener('member:removed', (evt) => { if (evt.detail.peerId === a.peerId) drops.push(`(seen by beta) ${evt.detail.reason}`) })

  const joinedUntil = b.status().certExpiresAt ?? 0
  assert.ok(joinedUntil - Date.now() <= CERT_TTL_MS + 1000, 'the certificate from the join has the admin\'s lifetime')

  // three renewals in a row: each one extends the expiry
  let until = joinedUntil
  for (let i = 0; i < 3; i++) {
    const previous = until
    until = await waitFor(() => { const u = b.status().certExpiresAt ?? 0; return u > previous ? u : undefined }, { what: `renewal ${i + 1}` })
  }
  // well past the first certificate's expiry, both still hold each other as members, and the card the
  // others see carries the fresh certificate
  await waitFor(() => Date.now() > joinedUntil + CHECK_MS * 3, { what: 'the first certificate to lapse' })
  assert.equal(a.services.gate.isMember(b.peerId), true)
  assert.equal(b.services.gate.isMember(a.peerId), true)
  assert.ok((a.services.gate.member(b.peerId)?.notAfter ?? 0) > joinedUntil, 'alpha holds beta\'s renewed certificate')
  assert.deepEqual(drops, [])
  assert.ok(a.caps().some(c => c.peerId === b.peerId))
})
