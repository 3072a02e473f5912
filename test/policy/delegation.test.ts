/** The policy's `delegation.maxDepth`: how deep a delegation chain this node runs. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatPolicy, parsePolicy } from '../../node/policy/index.ts'

describe('policy delegation.maxDepth', { timeout: 10_000 }, () => {
  it('reads and writes back a depth, and refuses one outside 1..8', () => {
    const p = parsePolicy('{ "version": 1, "delegation": { "maxDepth": 2 } }')
    assert.deepEqual(p.delegation, { maxDepth: 2 })
    assert.deepEqual(parsePolicy(formatPolicy(p)).delegation, { maxDepth: 2 })
    assert.equal(parsePolicy('{ "version": 1 }').delegation, undefined)
    assert.throws(() => parsePolicy('{ "version": 1, "delegation": { "maxDepth": 9 } }'), /maxDepth/)
  })
})
