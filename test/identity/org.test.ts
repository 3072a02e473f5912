import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createOrg, generateKeyPair, verifyAdminCert } from '../../identity/index.ts'

const T0 = 1_800_000_000_000
const HOUR = 3_600_000
const org = createOrg('acme', { now: T0 - HOUR })
const orgRoot = org.root.publicKey

describe('identity/org', () => {
  it('founds an org whose admin certificate verifies against the root', () => {
    assert.equal(org.name, 'acme')
    const cert = verifyAdminCert(org.adminCert, { orgRoot, now: T0 })
    assert.deepEqual(cert.admin, org.admin.publicKey)
    assert.equal(cert.orgName, 'acme')
    assert.match(cert.serial, /^[0-9a-f]{32}$/)
  })

  it('can make the founding node its own first admin and refuses an empty name', () => {
    const node = generateKeyPair()
    assert.deepEqual(createOrg('x', { admin: node }).admin, node)
    assert.throws(() => createOrg(''), { name: 'MalformedMessageError' })
  })
})
