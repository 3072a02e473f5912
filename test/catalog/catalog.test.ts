/**
 * The org's model catalog and the model gate, as units: a catalog signed by
 * an admin verifies back to the root and only a higher sequence number
 * replaces it; one signed by a non-admin, another org, or mutated is refused
 * with a typed error; the gate refuses a pinned digest the node does not
 * hold and, under `models.require: "approved"`, a file not on the catalog.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createOrg, generateKeyPair, issueAdminCert, nextModelCatalog, openModelCatalog } from '../../identity/index.ts'
import { CatalogStore, modelGate, ModelNotApprovedError, PinnedDigestMismatchError } from '../../node/catalog/index.ts'
import { createLogger } from '../../node/logger.ts'
import { wireCodeOf } from '../../node/tasks/errors.ts'

const T0 = 1_800_000_000_000
const org = createOrg('acme', { now: T0 })
const orgRoot = org.root.publicKey
const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

// the store checks admin certificates against the clock: an org made now
const live = createOrg('acme')

function store (): { s: CatalogStore, saved: Uint8Array[] } {
  const saved: Uint8Array[] = []
  const s = new CatalogStore({
    logger: createLogger('test:catalog'), orgRoot: live.root.publicKey, orgId: 'org',
    storage: { get: async () => saved.at(-1), put: async (b) => { saved.push(b) } }
  })
  return { s, saved }
}

describe('the org model catalog', () => {
  it('an admin approves and withdraws by digest; every catalog is one seq higher', () => {
    const c1 = openModelCatalog(nextModelCatalog({ admin: org.admin, adminCert: org.adminCert, approve: [{ name: 'tiny', sha256: A, source: 'hf:x/y' }], now: T0 }), { orgRoot, now: T0 })
    assert.equal(c1.seq, 1)
    assert.deepEqual(c1.models.map(m => [m.name, m.sha256, m.source]), [['tiny', A, 'hf:x/y']])
    const c2 = openModelCatalog(nextModelCatalog({ admin: org.admin, adminCert: org.adminCert, current: c1, approve: [{ name: 'big', sha256: B, source: '' }], now: T0 }), { orgRoot, now: T0 })
    assert.deepEqual(c2.models.map(m => m.name).sort(), ['big', 'tiny'])
    const c3 = openModelCatalog(nextModelCatalog({ admin: org.admin, adminCert: org.adminCert, current: c2, withdraw: ['tiny'], now: T0 }), { orgRoot, now: T0 })
    assert.equal(c3.seq, 3)
    assert.deepEqual(c3.models.map(m => m.name), ['big'])
  })

  it('a catalog signed by a non-admin, by another org, or mutated is refused with a typed error', () => {
    const stranger = generateKeyPair()
    // a key with no admin certificate of its own, presenting the real admin's
    assert.throws(() => nextModelCatalog({ admin: stranger, adminCert: org.adminCert, approve: [{ name: 'x', sha256: A, source: '' }] }), { name: 'UntrustedIssuerError' })
    const other = createOrg('evil', { now: T0 })
    const foreign = nextModelCatalog({ admin: other.admin, adminCert: other.adminCert, approve: [{ name: 'x', sha256: A, source: '' }], now: T0 })
    assert.throws(() => openModelCatalog(foreign, { orgRoot, now: T0 }), (err: Error) => ['WrongOrgError', 'UntrustedIssuerError', 'InvalidSignatureError'].includes(err.name))
    // an admin certificate the root never issued: a self-made root vouching for an outsider
    const fakeCert = issueAdminCert({ root: stranger, orgName: 'acme', admin: stranger.publicKey, now: T0 })
    assert.throws(() => openModelCatalog(nextModelCatalog({ admin: stranger, adminCert: fakeCert, approve: [{ name: 'x', sha256: A, source: '' }], now: T0 }), { orgRoot, now: T0 }), { name: 'WrongOrgError' })
    const good = nextModelCatalog({ admin: org.admin, adminCert: org.adminCert, approve: [{ name: 'x', sha256: A, source: '' }], now: T0 })
    for (const i of [10, Math.floor(good.length / 2), good.length - 5]) {
      const bad = good.slice()
      bad[i] = (bad[i] as number) ^ 0xff
      assert.throws(() => openModelCatalog(bad, { orgRoot, now: T0 }), (err: Error) => err.name !== 'Error' && err.name !== 'TypeError')
    }
  })

  it('the store keeps the highest seq, persists it, and ignores a replayed older catalog', async () => {
    const { s, saved } = store()
    const c1 = nextModelCatalog({ admin: live.admin, adminCert: live.adminCert, approve: [{ name: 'tiny', sha256: A, source: '' }] })
    const c2 = nextModelCatalog({ admin: live.admin, adminCert: live.adminCert, current: openModelCatalog(c1, { orgRoot: live.root.publicKey }), withdraw: [A] })
    assert.equal(await s.offer(c2), true)
    assert.equal(await s.offer(c1), false)
    assert.equal(s.seq(), 2)
    assert.equal(s.approved(A), undefined)
    assert.equal(saved.length, 1)
    const again = store()
    again.saved.push(...saved)
    await again.s.load()
    assert.equal(again.s.seq(), 2)
  })
})

describe('the model gate', () => {
  const digests: Record<string, string> = { tiny: A }
  const gate = (requireApproved: boolean, approved: string[]): ReturnType<typeof modelGate> => modelGate({
    digestOf: async (m) => digests[m], requireApproved: () => requireApproved, approved: (d) => approved.includes(d)
  })

  it('a pinned digest must be the file held under that name', async () => {
    await gate(false, [])('tiny', A)
    await assert.rejects(gate(false, [])('tiny', B), (err: Error) => err instanceof PinnedDigestMismatchError && wireCodeOf(err) === 'model-digest-mismatch')
  })

  it('under models.require "approved", only files on the catalog run', async () => {
    await gate(false, [])('tiny')
    await gate(true, [A])('tiny')
    await assert.rejects(gate(true, [B])('tiny'), (err: Error) => err instanceof ModelNotApprovedError && wireCodeOf(err) === 'model-not-approved' && /mycel models approve tiny/.test(err.message))
  })
})
