/**
 * A resting card is not flooded to the org: the periodic check republishes
 * it only when what it says changed (its load alone travels in load
 * beats) or when its expiry needs renewing, and the DHT provide of the
 * task kinds its policy opens to members runs one pass at a time however
 * many admissions ask for it. One
 * component, so the host is a stub that counts what would go on the wire.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CardService, type CardContent, type CardServiceInit } from '../../node/cards/card-service.ts'
import { createLogger } from '../../node/logger.ts'
import type { MycelHost } from '../../node/net/host.ts'
import type { MembershipGate } from '../../node/membership/gate.ts'
import { waitFor } from '../helpers/wait.ts'

const HOUR_MS = 3_600_000

interface Wire { published: number, provides: string[], release: () => void }

async function service (content: () => CardContent, init: CardServiceInit = {}): Promise<{ cards: CardService, wire: Wire, own: () => ReturnType<CardService['card']> }> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  let gate: () => void = () => {}
  let held = new Promise<void>(resolve => { gate = resolve })
  const wire: Wire = { published: 0, provides: [], release: () => { gate(); held = Promise.resolve() } }
  const host = {
    peerId,
    getMultiaddrs: () => [],
    getConnections: () => [],
    handle: async () => {},
    unhandle: async () => {},
    contentRouting: { provide: async (cid: { toString: () => string }) => { wire.provides.push(cid.toString()); await held } },
    services: {
      dht: { routingTable: { size: 3 } },
      pubsub: { subscribe: () => {}, addEventListener: () => {}, removeEventListener: () => {}, publish: async () => { wire.published++ } }
    }
  } as unknown as MycelHost
  const events = { addEventListener: () => {}, removeEventListener: () => {} } as unknown as MembershipGate
  const cards = new CardService({
    logger: createLogger('test:cards'),
    host,
    gate: events,
    orgId: 'org',
    chain: () => new Uint8Array([1, 2, 3]),
    content,
    sign: (payload) => payload,
    verifier: { openRecord: () => { throw new Error('unused') }, peerIdOf: () => '', verifyMember: () => ({ serial: '' }), isRevoked: () => false }
  }, { republishIntervalMs: HOUR_MS, refreshIntervalMs: HOUR_MS, ...init })
  return { cards, wire, own: () => cards.card(peerId.toString()) }
}

function offering (o: { name?: string, running?: number, kinds?: string[], open?: string[] } = {}): CardContent {
  return {
    name: o.name ?? 'alpha',
    taskKinds: o.kinds ?? [],
    models: [],
    tools: [],
    collections: [],
    hardware: { backend: 'cpu', cpuCores: 2, ramBytes: 1024, slots: 2 },
    load: { running: o.running ?? 0, queued: 0, slots: 2 },
    encryptionKey: new Uint8Array(32),
    roles: [],
    policy: { kinds: o.open ?? o.kinds ?? [] }
  }
}

describe('card republish', { timeout: 30_000 }, () => {
  it('does not republish a card whose only change is its load', async () => {
    let running = 0
    const { cards, wire, own } = await service(() => offering({ running }))
    await cards.start()
    const seq = own()?.seq
    running = 2
    assert.equal(await cards.republishIfDue(), false)
    assert.equal(wire.published, 1)
    assert.equal(own()?.seq, seq)
    await cards.stop()
  })

  it('republishes at the next check when what the card says changed', async () => {
    let name = 'alpha'
    const { cards, wire, own } = await service(() => offering({ name }))
    await cards.start()
    name = 'renamed'
    assert.equal(await cards.republishIfDue(), true)
    assert.equal(wire.published, 2)
    assert.equal(own()?.name, 'renamed')
    await cards.stop()
  })

  it('republishes an unchanged card once its refresh is due, renewing its expiry', async () => {
    const { cards, wire, own } = await service(() => offering(), { refreshIntervalMs: 0 })
    await cards.start()
    const first = own()
    assert.equal(await cards.republishIfDue(), true)
    assert.equal(wire.published, 2)
    const second = own()
    assert.ok(second != null && first != null && second.seq > first.seq && second.expiresAt >= first.expiresAt)
    await cards.stop()
  })

  it('provides only the task kinds its policy opens to members', async () => {
    const { cards, wire } = await service(() => offering({ kinds: ['echo', 'memory.ask', 'agent.run'], open: ['echo'] }))
    wire.release()
    await cards.start()
    await waitFor(() => wire.provides.length >= 1, { what: 'the open kind to be provided' })
    await cards.republishIfDue()
    assert.equal(wire.provides.length, 1)
    await cards.stop()
  })

  it('provides each task kind once however many publishes ask while a provide is under way', async () => {
    const { cards, wire } = await service(() => offering({ kinds: ['echo', 'embed'] }))
    await cards.start()
    // the first pass is held at its first provide; three more publishes ask meanwhile
    await Promise.all([cards.publish(), cards.publish(), cards.publish()])
    wire.release()
    await cards.republishIfDue()
    await waitFor(() => wire.provides.length >= 2, { what: 'both kinds to be provided' })
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(wire.provides.length, 2)
    assert.equal(new Set(wire.provides).size, 2)
    await cards.stop()
  })
})
