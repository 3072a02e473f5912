/**
 * Gossip reaches every member even when many share one address (one
 * machine, one LAN behind a NAT): gossipsub's IP-colocation penalty would
 * otherwise graylist every peer past the tenth per address, and cards and
 * revocations would stop spreading.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateKeyPair as generateLibp2pKey } from '@libp2p/crypto/keys'
import { createHost, type MycelHost } from '../../node/net/host.ts'
import { pskToPnetKey } from '../../identity/psk.ts'
import { cardsTopic } from '../../protocol/cards/ids.ts'
import { waitFor } from '../helpers/wait.ts'

const PEERS = 15

test(`a message published by one host reaches ${PEERS} others on the same address`, async (t) => {
  const swarmKey = pskToPnetKey(randomBytes(32))
  const topic = cardsTopic('gossiptest')
  const hosts: MycelHost[] = []
  t.after(async () => { await Promise.all(hosts.map(async h => { try { await h.stop() } catch {} })) })
  for (let i = 0; i <= PEERS; i++) {
    const host = await createHost({ privateKey: await generateLibp2pKey('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], orgId: 'gossiptest', swarmKey })
    await host.start()
    host.services.pubsub.subscribe(topic)
    hosts.push(host)
  }
  const [hub, ...rest] = hosts as [MycelHost, ...MycelHost[]]
  const received = new Set<string>()
  for (const h of rest) {
    h.services.pubsub.addEventListener('message', (evt) => { if (evt.detail.topic === topic) received.add(h.peerId.toString()) })
    // the hub dials out: libp2p refuses more than 5 inbound connections a second from one address
    await hub.dial(h.getMultiaddrs()[0]!)
  }
  await waitFor(() => hub.services.pubsub.getSubscribers(topic).length === PEERS, { what: 'every peer to subscribe at the hub' })
  await hub.services.pubsub.publish(topic, new TextEncoder().encode('card'))
  await waitFor(() => received.size === PEERS, { what: `all ${PEERS} peers to receive the message`, timeoutMs: 20_000 })
  assert.equal(received.size, PEERS)
})
