/** Text delivered exactly once across failed-over attempts. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Delivery, type DeliveryEvent } from '../../../node/tasks/router/delivery.ts'

describe('delivery across attempts', () => {
  it('passes on only what a new attempt adds beyond what was shown', () => {
    const seen: DeliveryEvent[] = []
    const d = new Delivery(e => { seen.push(e) })
    d.newAttempt(); d.push('Hel'); d.push('lo')
    d.newAttempt(); d.push('He'); d.push('llo, wor'); d.push('ld')
    assert.deepEqual(seen, [{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }, { type: 'text', text: ', wor' }, { type: 'text', text: 'ld' }])
  })

  it('takes shown text back when an attempt diverges from it', () => {
    const seen: DeliveryEvent[] = []
    const d = new Delivery(e => { seen.push(e) })
    d.newAttempt(); d.push('Hello')
    d.newAttempt(); d.push('Howdy')
    assert.deepEqual(seen, [{ type: 'text', text: 'Hello' }, { type: 'reset' }, { type: 'text', text: 'Howdy' }])
  })
})
