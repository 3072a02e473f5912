/**
 * An org-wide record (the revocation list, the model catalog) that arrives
 * by gossip is taken without being published again: gossipsub forwards it
 * already, and a republish by every member flooded the org once per member.
 * One that arrives any other way (the admin's own, a sync on connect) is
 * published so the rest of the org hears it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { GossipedList, type Sequenced } from '../../node/net/gossiped-list.ts'
import { createLogger } from '../../node/logger.ts'
import type { MycelHost } from '../../node/net/host.ts'
import { waitFor } from '../helpers/wait.ts'

const TOPIC = '/test/list/1'

function list (): { records: GossipedList<Sequenced>, published: number[], gossip: (bytes: Uint8Array) => void } {
  const published: number[] = []
  let listener: (evt: { detail: { topic: string, data: Uint8Array } }) => void = () => {}
  const host = {
    services: {
      pubsub: {
        subscribe: () => {},
        addEventListener: (_: string, fn: typeof listener) => { listener = fn },
        removeEventListener: () => {},
        publish: async (_topic: string, bytes: Uint8Array) => { published.push(bytes[0] ?? -1) }
      }
    }
  } as unknown as MycelHost
  let stored: Uint8Array | undefined
  const records = new GossipedList<Sequenced>({
    logger: createLogger('test:list'),
    topic: TOPIC,
    what: 'test list',
    // the first byte is the sequence number; a zero byte is invalid
    open: (bytes) => { if (bytes[0] === 0) throw new Error('invalid'); return { seq: bytes[0] ?? 0, bytes } },
    storage: { get: async () => stored, put: async (b) => { stored = b } }
  })
  records.start(host)
  return { records, published, gossip: (bytes) => { listener({ detail: { topic: TOPIC, data: bytes } }) } }
}

describe('gossiped list relay', { timeout: 10_000 }, () => {
  it('takes a newer record from gossip without publishing it again', async () => {
    const { records, published, gossip } = list()
    gossip(new Uint8Array([3]))
    await waitFor(() => records.seq() === 3, { what: 'the gossiped record' })
    assert.deepEqual(published, [])
  })

  it('publishes a newer record offered from elsewhere, and never an older one', async () => {
    const { records, published } = list()
    assert.equal(await records.offer(new Uint8Array([5])), true)
    assert.equal(await records.offer(new Uint8Array([4])), false)
    assert.equal(records.seq(), 5)
    assert.deepEqual(published, [5])
  })
})
