/**
 * The dialer's redial rules, with a scripted host: a peer that keeps refusing
 * us is dialed less and less often, one that takes us back is dialed on the
 * normal round again, and a revoked node stops dialing.
 */
import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Dialer } from '../../node/net/dialer.ts'
import type { MycelHost } from '../../node/net/host.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'

const SELF = '12D3KooWSelfSelfSelfSelfSelfSelfSelfSelfSelfSelfSelf'
const PEER = '12D3KooWQmqHxPf5LwZ5kJKQvXvWdMqSsYvR7yJbP5dDnTtcQn4Y'
const ADDR = `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`

/** Dialers started by a test, stopped after it (afterStart arms a real repeating timer). */
const started: Dialer[] = []

function scripted (opts: { revoked?: () => boolean, cards?: () => Array<{ card: CapabilityCard }> } = {}) {
  let now = 0
  const dials: number[] = []
  let connected = false
  let onIdentify: ((evt: CustomEvent) => void) | undefined
  const host = {
    peerId: { toString: () => SELF },
    getMultiaddrs: () => [],
    getConnections: () => connected ? [{ remotePeer: { toString: () => PEER } }] : [],
    dial: async () => { dials.push(now); throw new Error('connection refused') },
    addEventListener: (_t: string, l: (evt: CustomEvent) => void) => { onIdentify = l },
    removeEventListener: () => { onIdentify = undefined }
  } as unknown as MycelHost
  let onCard: EventListener | undefined
  const cards = { cards: opts.cards ?? (() => []), addEventListener: (_t: string, l: EventListener) => { onCard = l }, removeEventListener: () => {} }
  const remembered: string[][] = []
  const addressBook = { list: () => [ADDR], update: (addrs: string[]) => { remembered.push(addrs) } } as never
  const d = new Dialer({ host, addressBook, cards, logger: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as never }, {
    reconnectIntervalMs: 10_000,
    backoffMaxMs: 80_000,
    now: () => now,
    ...(opts.revoked != null ? { selfRevoked: opts.revoked } : {})
  })
  /** Runs the redial round every 10 s for `ms`. */
  const run = (ms: number): void => {
    for (const end = now + ms; now < end; now += 10_000) d.reconnect()
  }
  // the dial at start, at 0 s; the redial rounds run from 10 s on
  d.afterStart()
  started.push(d)
  now = 10_000
  const card = (): void => { onCard?.(new CustomEvent('card:updated', { detail: { peerId: PEER } })) }
  const identify = (peer: string, addrs: string[]): void => {
    onIdentify?.(new CustomEvent('peer:identify', { detail: { peerId: { toString: () => peer }, listenAddrs: addrs.map(a => ({ toString: () => a })) } }))
  }
  return { d, dials, run, card, identify, remembered, connect: (v: boolean) => { connected = v }, at: () => now }
}

describe('dialer back-off', { timeout: 10_000 }, () => {
  afterEach(() => { for (const d of started.splice(0)) d.stop() })

  it('waits 10, 20, 40, 80 s between dials of a peer that keeps refusing, then 80 s at most', () => {
    const s = scripted()
    s.run(400_000)
    const gaps = s.dials.slice(1).map((t, i) => t - (s.dials[i] as number))
    assert.deepEqual(gaps.slice(0, 5), [10_000, 20_000, 40_000, 80_000, 80_000])
    assert.ok(gaps.every(g => g <= 80_000))
    assert.ok(s.dials.length <= 8, `dialed ${s.dials.length} times in 400 s (a 10 s round would be 40)`)
  })

  it('a peer that takes us back is dialed on the normal round after it drops again', () => {
    const s = scripted()
    s.run(200_000)
    assert.ok(s.d.retryInMs(PEER) > 10_000)
    s.connect(true)
    s.run(10_000)
    assert.equal(s.d.retryInMs(PEER), 0)
    s.connect(false)
    const before = s.dials.length
    s.run(10_000)
    assert.equal(s.dials.length, before + 1)
  })

  it('a fresh card from a peer that kept refusing ends its wait: it is dialed on the next round', () => {
    const s = scripted()
    s.run(200_000)
    assert.ok(s.d.retryInMs(PEER) > 10_000)
    s.card()
    assert.equal(s.d.retryInMs(PEER), 0)
    const before = s.dials.length
    s.run(10_000)
    assert.equal(s.dials.length, before + 1)
  })

  it('remembers where a member said it listens as it connects, before its card says so', () => {
    const card = { peerId: PEER, addrs: ['/ip4/127.0.0.1/tcp/4001'] } as unknown as CapabilityCard
    const s = scripted({ cards: () => [{ card }] })
    // restarted on another port, it connected to us; its new card is still on its way
    s.identify(PEER, ['/ip4/127.0.0.1/tcp/50123'])
    s.identify('12D3KooWNotAMemberNotAMemberNotAMemberNotAMemberNot', ['/ip4/127.0.0.1/tcp/50999'])
    s.d.stop()
    assert.deepEqual(s.remembered.at(-1), [`/ip4/127.0.0.1/tcp/50123/p2p/${PEER}`, ADDR], 'the new address first, the card\'s too, no one else\'s')
  })

  it('a node that knows it is revoked dials no one', () => {
    let revoked = false
    const s = scripted({ revoked: () => revoked })
    s.run(10_000)
    // the dial at start and one redial
    assert.equal(s.dials.length, 2)
    revoked = true
    s.run(300_000)
    assert.equal(s.dials.length, 2)
  })
})
