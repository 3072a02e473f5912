/** The penalty experience charges a member: added per failure, halving every half-life, transports only counted. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PeerHealthBook } from '../../../node/tasks/router/health.ts'

describe('peer health', () => {
  it('demotes a member per malformed answer or failed claim, and forgives it over time', () => {
    let now = 1_000_000
    const book = new PeerHealthBook({ failurePenalty: 1, halfLifeMs: 60_000, now: () => now })
    book.failed('liar', 'malformed')
    book.failed('liar', 'claim')
    assert.equal(book.penalty('liar'), 2)
    now += 60_000
    assert.equal(book.penalty('liar'), 1, 'halved after one half-life')
    now += 120_000
    assert.equal(book.penalty('liar'), 0.25)
    assert.deepEqual(book.list().map(p => [p.peerId, p.failures]), [['liar', { malformed: 1, claim: 1, transport: 0 }]])
  })

  it('counts broken transports without a penalty (a dead member is not a liar)', () => {
    const book = new PeerHealthBook()
    book.failed('flaky', 'transport')
    assert.equal(book.penalty('flaky'), 0)
    assert.equal(book.list()[0]?.failures.transport, 1)
    assert.equal(book.penalty('stranger'), 0)
  })
})
