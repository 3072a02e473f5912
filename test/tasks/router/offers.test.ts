/**
 * What the router says a task submitted here can reach, with the real
 * policy engine: only what a member's card offers, its own policy admits,
 * and this node's outbound policy lets it send.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { reachableOffers, type OfferComponents } from '../../../node/tasks/router/offers.ts'
import { PolicyEngine } from '../../../node/policy/engine.ts'
import { defaultFounderPolicy } from '../../../node/policy/defaults.ts'
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import { cardFor } from '../../helpers/cards.ts'

const model = (name: string): CapabilityCard['models'][number] => ({ name, sha256: '0'.repeat(64), architecture: 'llama', contextLength: 512 })

function card (peerId: string, fields: Partial<CapabilityCard> = {}): CapabilityCard {
  return cardFor({ peerId, orgId: 'org', chain: new Uint8Array(0) }, { taskKinds: ['echo'], policy: { kinds: ['*'] }, ...fields })
}

function components (cards: CapabilityCard[], over: Partial<OfferComponents> = {}): OfferComponents {
  return {
    self: 'self',
    cards: () => cards,
    memberGroups: () => ['members'],
    policy: new PolicyEngine({}, { policy: defaultFounderPolicy() }),
    localKinds: () => ['echo'],
    localModels: () => [],
    ...over
  }
}

describe('reachable offers', { timeout: 10_000 }, () => {
  it('joins local kinds with the members\' that policy lets this node send', () => {
    const cards = [
      card('alpha', { taskKinds: ['echo', 'llm.chat', 'memory.search'], models: [model('tiny'), model('big')] }),
      card('beta', { taskKinds: ['llm.chat'], models: [model('tiny')] })
    ]
    const offers = reachableOffers(components(cards))
    // memory.search: the founder default sends no memory tasks out
    assert.deepEqual(offers, [
      { kind: 'echo', models: [], tools: [], peers: ['alpha', 'self'] },
      { kind: 'llm.chat', models: ['big', 'tiny'], tools: [], peers: ['alpha', 'beta'] }
    ])
  })

  it('leaves out kinds a member\'s own policy refuses, and members not admitted', () => {
    const cards = [card('strict', { taskKinds: ['echo', 'llm.chat'], models: [model('tiny')], policy: { kinds: ['echo'] } }), card('stranger', { taskKinds: ['llm.chat'], models: [model('tiny')] })]
    const offers = reachableOffers(components(cards, { memberGroups: p => p === 'stranger' ? undefined : ['members'], localKinds: () => [] }))
    assert.deepEqual(offers, [{ kind: 'echo', models: [], tools: [], peers: ['strict'] }])
  })

  it('offers tool.call only with the tools the outbound policy names', () => {
    const policy = defaultFounderPolicy()
    policy.rules.push({ ...policy.rules[0] as typeof policy.rules[number], id: 'tools', kinds: ['tool.call'], tools: ['code.*'], direction: 'outbound' })
    const cards = [card('tooly', { taskKinds: ['tool.call'], tools: [{ name: 'code.run', description: '', schema: {} }, { name: 'fs.read', description: '', schema: {} }] })]
    const offers = reachableOffers(components(cards, { localKinds: () => [], policy: new PolicyEngine({}, { policy }) }))
    assert.deepEqual(offers, [{ kind: 'tool.call', models: [], tools: ['code.run'], peers: ['tooly'] }])
  })
})
