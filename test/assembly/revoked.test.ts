/**
 * A revoked node knows it (issue 10, defect 10): its status shows no groups
 * and says it was revoked, and a task it runs ends saying so, not with
 * "Internal error".
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { inProcessOrg } from '../tasks/helpers.ts'
import type { MycelNode } from '../../node/assembly/index.ts'

describe('a revoked node', () => {
  const h = new Harness()
  let alpha: MycelNode
  let beta: MycelNode
  after(async () => { await h.cleanup() })
  before(async () => {
    ;[alpha, beta] = await inProcessOrg(h, [{ name: 'alpha' }, { name: 'beta', groups: ['eng'] }])
    assert.deepEqual(beta.status().groups.includes('eng'), true)
    await alpha.revoke(beta.peerId)
    await waitFor(() => beta.status().revoked, { what: 'beta to learn it was revoked' })
  })

  it('shows no groups in its status and says it was revoked', async () => {
    const res = await h.cliInProcess(beta.paths.root, ['status'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /revoked/i)
    const s = beta.status()
    assert.deepEqual(s.groups, [])
    assert.equal(s.revoked, true)
  })

  it('ends a task saying it was revoked, not "Internal error"', async () => {
    const res = await h.cliInProcess(beta.paths.root, ['run', '--peer', alpha.peerId, 'hello'])
    assert.notEqual(res.code, 0)
    assert.doesNotMatch(res.stderr, /Internal error/)
    assert.match(res.stderr, /revoked/i)
  })
})
