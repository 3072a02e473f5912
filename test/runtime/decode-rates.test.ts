/**
 * The runtime's own decode rate per model: a moving average of what its
 * generations measured, and what the node's signed load beat carries after
 * a real generation on the generated model.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DecodeRates } from '../../node/runtime/index.ts'
import { loadBeatService, verifyBeat } from '../../node/load/index.ts'
import { generateKeyPair } from '../../identity/keys.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from '../../identity/signed-record.ts'
import { LOAD_BEAT_DOMAIN, LOAD_BEAT_TYPE, MAX_LOAD_BEAT_RECORD_BYTES } from '../../protocol/load/index.ts'
import { createLogger } from '../../node/logger.ts'
import { runtimeFixture } from './helpers.ts'

describe('decode rates: a moving average per model', { timeout: 10_000 }, () => {
  it('starts at the first measure and moves a fixed share toward each next one', () => {
    const rates = new DecodeRates({ weight: 0.5 })
    rates.record('tiny', 100, 1000)
    assert.deepEqual(rates.list(), [{ name: 'tiny', tokensPerSecond: 100 }])
    rates.record('tiny', 300, 1000)
    assert.deepEqual(rates.list(), [{ name: 'tiny', tokensPerSecond: 200 }])
    rates.record('tiny', 100, 500)
    assert.deepEqual(rates.list(), [{ name: 'tiny', tokensPerSecond: 200 }], 'a measure equal to the average leaves it')
  })

  it('ignores generations too short to measure, keeps models apart, freshest first, and bounded', () => {
    const rates = new DecodeRates({ maxModels: 2 })
    rates.record('a', 1, 10)
    rates.record('a', 50, 0)
    assert.deepEqual(rates.list(), [], 'one token after the first, or no time, says nothing')
    rates.record('a', 10, 100)
    rates.record('b', 40, 100)
    rates.record('c', 90, 100)
    assert.deepEqual(rates.list(), [{ name: 'c', tokensPerSecond: 900 }, { name: 'b', tokensPerSecond: 400 }])
  })
})

describe("a node's load beat carries its runtime's measured decode rate", { timeout: 120_000 }, () => {
  const f = runtimeFixture({ tiny: {}, json: { seed: 5 } })

  it('after a generation, the signed beat names the model with a positive rate', async () => {
    assert.deepEqual(f.rt.decodeRates(), [], 'nothing measured before any generation')
    const r = await f.rt.complete({ model: 'tiny', prompt: 'The mesh', maxTokens: 24 })
    assert.ok(r.usage.completionTokens >= 3)

    const key = generateKeyPair()
    const self = peerIdFromPublicKey(key.publicKey)
    const sent: Uint8Array[] = []
    const open = (bytes: Uint8Array): { publicKey: Uint8Array, payload: Uint8Array } => openSignedRecord(bytes, { domain: LOAD_BEAT_DOMAIN, payloadType: LOAD_BEAT_TYPE, maxBytes: MAX_LOAD_BEAT_RECORD_BYTES })
    const beats = loadBeatService()({
      logger: createLogger('mycel:test:load'),
      // the beat is only published here: a host that records what is sent
      host: { peerId: { toString: () => self }, services: { pubsub: { publish: async (_topic: string, bytes: Uint8Array) => { sent.push(bytes) } } } } as never,
      orgId: 'acme',
      sign: (payload) => encodeSignedRecord(signRecord(key, LOAD_BEAT_DOMAIN, LOAD_BEAT_TYPE, payload)),
      verifier: { openRecord: open, peerIdOf: peerIdFromPublicKey, isMember: () => true },
      load: () => ({ running: 0, queued: 0, slots: 4 }),
      rates: () => f.rt.decodeRates(),
      onBeat: () => {}
    })
    assert.equal(await beats.beat(true), true)
    const beat = verifyBeat(sent[0] as Uint8Array, { openRecord: open, peerIdOf: peerIdFromPublicKey, orgId: 'acme', isMember: () => true, knownSeq: () => undefined })
    const tiny = beat.models?.find(m => m.name === 'tiny')
    assert.ok(tiny != null && tiny.tokensPerSecond > 0, JSON.stringify(beat.models))
  })

  it('the function-calling path is measured too', async () => {
    const r = await f.rt.chat({ model: 'json', messages: [{ role: 'user', content: 'A JSON object, please' }], responseFormat: { type: 'json_object' }, maxTokens: 24 })
    assert.ok(r.usage.completionTokens >= 3)
    const json = f.rt.decodeRates().find(m => m.name === 'json')
    assert.ok(json != null && json.tokensPerSecond > 0, JSON.stringify(f.rt.decodeRates()))
  })
})
