/** Rate limits and token quotas per peer and group, as the executor's wire server asks them. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatPolicy, parsePolicy, PolicyEngine } from '../../node/policy/index.ts'

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'
const HOUR = 3_600_000

const POLICY = `{
  "version": 1,
  "rateLimits": { "default": "2/hour", "peers": { "${BOB}": "1/hour" }, "groups": { "eng": "5/hour", "ops": "3/hour", "admins": "off" } },
  "quotas": { "tokens": { "default": "1000/day", "groups": { "eng": "100/hour" } } }
}`

function engine (): { e: PolicyEngine, tick: (ms: number) => void } {
  let now = 0
  return { e: new PolicyEngine({}, { policy: parsePolicy(POLICY), now: () => now }), tick: (ms) => { now += ms } }
}

const takes = (e: PolicyEngine, peer: string, groups: string[], n: number): boolean[] =>
  Array.from({ length: n }, () => e.checkRate(peer, groups).allow)

describe('policy limits', { timeout: 10_000 }, () => {
  it('a peer\'s own limit wins, then the most generous of its groups, then the default', () => {
    const { e } = engine()
    assert.deepEqual(takes(e, BOB, ['eng'], 2), [true, false])
    assert.deepEqual(takes(e, ALICE, ['ops', 'eng'], 6), [true, true, true, true, true, false])
    assert.deepEqual(takes(e, '12D3KooWCarolCarolCarolCarolCarolCarolCarol', ['guests'], 3), [true, true, false])
    assert.deepEqual(takes(e, '12D3KooWDaveDaveDaveDaveDaveDaveDaveDaveDave', ['admins', 'ops'], 10), Array(10).fill(true))
  })

  it('a token quota refuses once used up, says when it refills, and refills', () => {
    const { e, tick } = engine()
    assert.equal(e.checkTokens(ALICE, ['eng']).allow, true)
    e.chargeTokens(ALICE, ['eng'], 150) // more than was left: charged in full
    const refused = e.checkTokens(ALICE, ['eng'])
    assert.equal(refused.allow, false)
    // 51 tokens short at 100 an hour
    assert.equal(refused.retryAfterMs, Math.ceil(51 / (100 / HOUR)))
    tick(refused.retryAfterMs)
    assert.equal(e.checkTokens(ALICE, ['eng']).allow, true)
    // peers without a group entry share nothing: each has its own default budget
    assert.equal(e.checkTokens(BOB, []).allow, true)
  })

  it('reloading the same quotas keeps what was used; rate buckets start afresh', () => {
    const { e } = engine()
    e.chargeTokens(ALICE, [], 1000)
    assert.deepEqual(takes(e, ALICE, [], 3), [true, true, false])
    e.setPolicy(parsePolicy(POLICY))
    assert.equal(e.checkTokens(ALICE, []).allow, false)
    assert.equal(e.checkRate(ALICE, []).allow, true)
  })

  it('limits survive formatPolicy and reject bad group names with the line', () => {
    const again = parsePolicy(formatPolicy(parsePolicy(POLICY)))
    assert.equal(again.rateLimits.groups.eng?.text, '5/hour')
    assert.equal(again.rateLimits.groups.admins, null)
    assert.equal(again.quotas.tokens.default?.text, '1000/day')
    assert.throws(() => parsePolicy('{ "version": 1,\n "quotas": { "tokens": { "groups": { "bad group": "1/s" } } } }'), /line 2: invalid group name "bad group" in quotas\.tokens\.groups/)
    assert.throws(() => parsePolicy('{ "version": 1,\n "quotas": { "requests": {} } }'), /line 2: unknown key "requests" in quotas/)
  })
})
