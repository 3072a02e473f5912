/**
 * Group rules on the executor: alpha's policy lets only the `gpu` group run
 * `echo` and denies the `interns` group everything. A member joined with the
 * `interns` group is refused, and alpha's audit log holds the decision with
 * its rule; a plain member falls through to default deny; a `gpu` member runs.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { harness } from '../helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { auditOf, inProcessOrg } from './helpers.ts'

describe('an executor\'s policy by group', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let intern: MycelNode
  let plain: MycelNode
  let gpu: MycelNode

  before(async () => {
    const writePolicy = async (home: string): Promise<void> => {
      const policy = defaultFounderPolicy()
      const base = policy.rules[0]!
      policy.rules = [
        { ...base, id: 'no-interns', effect: 'deny', description: 'Interns run nothing here.', groups: ['interns'], kinds: ['*'], direction: 'inbound' },
        { ...base, id: 'gpu-echo', description: 'The gpu group runs echo here.', groups: ['gpu'], kinds: ['echo'], direction: 'inbound' },
        { ...base, id: 'members-out', description: 'Send work to members.', kinds: ['*'], direction: 'outbound' }
      ]
      await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
    }
    ;[alpha, intern, plain, gpu] = await inProcessOrg(h, [
      { name: 'alpha', beforeStart: writePolicy },
      { name: 'intern', groups: ['interns'] },
      { name: 'plain' },
      { name: 'gpu', groups: ['gpu'] }
    ])
  })

  const run = async (from: MycelNode): Promise<unknown> => await from.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: 'may I?' } })

  it('denies a member of a denied group and audits the decision with its rule', async () => {
    await assert.rejects(run(intern), (err: Error & { code?: string }) => { assert.equal(err.code, 'denied'); return true })
    const decisions = (await auditOf(alpha)).filter(e => e.type === 'policy.decision' && e.peer === intern.peerId)
    assert.equal(decisions.length, 1)
    assert.deepEqual([decisions[0]?.data?.allow, decisions[0]?.data?.rule, decisions[0]?.data?.direction], [false, 'no-interns', 'inbound'])
    assert.equal((await auditOf(alpha)).some(e => e.type === 'task.state' && e.peer === intern.peerId), false, 'nothing ran')
  })

  it('denies a member no rule allows (default deny), audited', async () => {
    await assert.rejects(run(plain), (err: Error & { code?: string }) => err.code === 'denied')
    const decision = (await auditOf(alpha)).find(e => e.type === 'policy.decision' && e.peer === plain.peerId)
    assert.deepEqual([decision?.data?.allow, decision?.data?.rule], [false, 'default-deny'])
  })

  it('runs the task for a member of the allowed group, audited as allowed', async () => {
    const res = await gpu.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: 'gpu here' } })
    assert.equal(res.output, 'gpu here')
    const decision = (await auditOf(alpha)).find(e => e.type === 'policy.decision' && e.peer === gpu.peerId)
    assert.deepEqual([decision?.data?.allow, decision?.data?.rule], [true, 'gpu-echo'])
  })

  it('verifies its audit log with the denials in it', async () => {
    const v = await alpha.services.audit.verify()
    assert.equal(v.ok, true)
  })
})
