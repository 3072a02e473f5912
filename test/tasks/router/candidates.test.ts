/**
 * Candidate scoring with stubbed components: who may run a task, and in
 * which order (load, then round trip, then what experience charged).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rankCandidates, type ScoringComponents } from '../../../node/tasks/router/candidates.ts'
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import { cardFor } from '../../helpers/cards.ts'
import { LoadBook } from '../../../node/tasks/router/load-book.ts'

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
    const book = new LoadBook()
    const busy = (p: string, c: CapabilityCard): { work: number, slots: number } => book.busy(p, { load: c.load, at: c.issuedAt }, open[p] ?? 0)
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { busy })), ['c', 'b', 'a'])
    // the card's own load and the open tasks add up: one busy slot in the card weighs like one open task
    const loaded = [card('x', { load: { running: 1, queued: 0, slots: 4 } }), card('y')]
    open.y = 2
    assert.deepEqual(ids({ kind: 'echo' }, components(loaded, { busy })), ['x', 'y'])
  })

  it('a load newer than the card replaces its figure; tasks sent since count on top, none twice', () => {
    const cards = [card('a'), card('b', { load: { running: 1, queued: 0, slots: 4 } })]
    const open: Record<string, number> = {}
    const book = new LoadBook()
    const busy = (p: string, c: CapabilityCard): { work: number, slots: number } => book.busy(p, { load: c.load, at: c.issuedAt }, open[p] ?? 0)
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { busy })), ['a', 'b'])
    // a is full now, b idle: a fresher figure than either card
    book.observe('a', { running: 4, queued: 2, slots: 4 }, 0, Date.now() + 1)
    book.observe('b', { running: 0, queued: 0, slots: 4 }, 0, Date.now() + 1)
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { busy })), ['b', 'a'])
    // an older sample than the one held changes nothing
    book.observe('a', { running: 0, queued: 0, slots: 4 }, 0, Date.now() - 60_000)
    assert.deepEqual(ids({ kind: 'echo' }, components(cards, { busy })), ['b', 'a'])
    // a sample taken while 3 of our tasks were open on b, 3 still open: counted once
    book.observe('b', { running: 3, queued: 0, slots: 4 }, 3, Date.now() + 2)
    open.b = 3
    assert.deepEqual(busy('b', cards[1] as CapabilityCard), { work: 3, slots: 4 })
  })

  it('weighs a member by the measured tokens/s of the model on it', () => {
    const model = { name: 'm', sha256: 'a'.repeat(64), architecture: 'llama', contextLength: 512 }
    const cards = [card('slow', { models: [model] }), card('fast', { models: [model], load: { running: 1, queued: 0, slots: 4 } })]
    const rates: Record<string, number> = { slow: 10, fast: 40 }
    // equal speed unknown: the idle one first; measured four times faster, the busier one wins
    assert.deepEqual(ids({ kind: 'echo', model: 'm' }, components(cards)), ['slow', 'fast'])
    assert.deepEqual(ids({ kind: 'echo', model: 'm' }, components(cards, { rate: p => rates[p] })), ['fast', 'slow'])
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
