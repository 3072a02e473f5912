/**
 * Candidate scoring with stubbed components: who may run a task, and in
 * which order (load, then round trip, then what experience charged).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rankCandidates, type ScoringComponents } from '../../../node/tasks/router/candidates.ts'
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import { cardFor } from '../../helpers/cards.ts'

function card (peerId: string, fields: Partial<CapabilityCard> = {}): CapabilityCard {
  return cardFor({ peerId, orgId: 'org', chain: new Uint8Array(0) }, { taskKinds: ['echo'], policy: { kinds: ['*'] }, load: { running: 0, queued: 0, slots: 4 }, ...fields })
}

function components (cards: CapabilityCard[], over: Partial<ScoringComponents> = {}): ScoringComponents {
  return {
    self: 'self',
    cards: () => cards,
    memberGroups: () => [],
    rttMs: () => undefined,
    local: () => undefined,
    penalty: () => 0,
    ...over
  }
}

const ids = (spec: Parameters<typeof rankCandidates>[0], c: ScoringComponents): string[] => rankCandidates(spec, c).map(x => x.peerId)

describe('candidate scoring', () => {
  it('orders members by load per slot, then by round trip', () => {
    const cards = [card('busy', { load: { running: 4, queued: 0, slots: 4 } }), card('far'), card('near')]
    const rtt: Record<string, number> = { far: 300, near: 10, busy: 1 }
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { rttMs: p => rtt[p] })), ['near', 'far', 'busy'])
  })

  it('a task reading a collection goes only to members whose card names it, never as local-only', () => {
    const cards = [
      card('holder', { collections: [{ name: 'hr', classification: 'internal', documents: 3, chunks: 9 }] }),
      card('other', { collections: [{ name: 'finance', classification: 'internal' }] }),
      card('hidden', { collections: [{ name: 'hr', classification: 'local-only' }] })
    ]
    assert.deepEqual(ids({ kind: 'echo', collection: 'hr' }, components(cards)), ['holder'])
    assert.deepEqual(ids({ kind: 'echo', collection: 'atlantis' }, components(cards)), [])
  })

  it('counts the tasks this node has open on a member, which its card does not show yet', () => {
    const cards = [card('a'), card('b'), card('c')]
    const open: Record<string, number> = { a: 2, b: 1 }
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { inFlight: p => open[p] ?? 0 })), ['c', 'b', 'a'])
    // the card's own load and the open tasks add up: one busy slot in the card weighs like one open task
    const loaded = [card('x', { load: { running: 1, queued: 0, slots: 4 } }), card('y')]
    assert.deepEqual(ids({ kind: 'echo' }, components(loaded, { inFlight: p => p === 'y' ? 2 : 0 })), ['x', 'y'])
  })

  it('puts a demoted member behind honest ones, however idle it claims to be', () => {
    const cards = [card('liar'), card('honest', { load: { running: 2, queued: 0, slots: 4 } })]
    assert.deepEqual(ids({ kind: 'echo' }, components(cards)), ['liar', 'honest'])
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { penalty: p => p === 'liar' ? 1 : 0 })), ['honest', 'liar'])
  })

  it('prefers this node on a tie, and offers only this node for local-only data', () => {
    const c = components([card('other')], { local: () => ({ running: 0, queued: 0, slots: 1 }) })
    assert.deepEqual(ids({ kind: 'echo' }, c), ['self', 'other'])
    assert.deepEqual(ids({ kind: 'echo', dataClass: 'local-only' }, c), ['self'])
    assert.equal(rankCandidates({ kind: 'echo' }, c)[0]?.local, true)
  })

  it('skips non-members, other kinds, kinds their policy does not admit, and missing models', () => {
    const cards = [
      card('stranger'),
      card('other-kind', { taskKinds: ['llm.generate'] }),
      card('closed', { policy: { kinds: ['llm.*'] } }),
      card('no-model'),
      card('has-model', { models: [{ name: 'tiny' } as CapabilityCard['models'][number]] })
    ]
    const c = components(cards, { memberGroups: p => p === 'stranger' ? undefined : [] })
    assert.deepEqual(ids({ kind: 'echo' }, c), ['no-model', 'has-model'])
    assert.deepEqual(ids({ kind: 'echo', model: 'tiny' }, c), ['has-model'])
  })
})
