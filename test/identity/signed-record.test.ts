import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { encodeSignedRecord, generateKeyPair, openSignedRecord, recordSigningBytes, signRecord } from '../../identity/index.ts'

const kp = generateKeyPair()
const payload = encodeCbor({ hello: 'mesh', n: 1 })
const DOMAIN = 'mycel-test'
const opts = { domain: DOMAIN, payloadType: 'mycel/test/1', maxBytes: 1024 }

describe('identity/signed-record', () => {
  it('round-trips the exact payload bytes and the signer', () => {
    const bytes = encodeSignedRecord(signRecord(kp, DOMAIN, 'mycel/test/1', payload))
    const rec = openSignedRecord(bytes, opts)
    assert.deepEqual(rec.payload, payload)
    assert.deepEqual(rec.publicKey, kp.publicKey)
    assert.equal(rec.payloadType, 'mycel/test/1')
  })

  it('signs domain || type || payload with varint length prefixes, like libp2p envelopes', () => {
    const rec = signRecord(kp, 'ab', 'c', new Uint8Array([9]))
    assert.deepEqual(recordSigningBytes('ab', 'c', new Uint8Array([9])), new Uint8Array([2, 97, 98, 1, 99, 1, 9]))
    assert.equal(rec.signature.byteLength, 64)
    const long = recordSigningBytes('', '', new Uint8Array(300))
    assert.deepEqual(long.subarray(0, 4), new Uint8Array([0, 0, 0xac, 0x02]))
  })

  it('refuses a record made for another domain or of another type (no cross-purpose replay)', () => {
    const bytes = encodeSignedRecord(signRecord(kp, 'mycel-capability-card', 'mycel/test/1', payload))
    assert.throws(() => openSignedRecord(bytes, opts), { name: 'InvalidSignatureError' })
    assert.throws(() => openSignedRecord(bytes, { ...opts, domain: 'mycel-capability-card', payloadType: 'mycel/other/1' }), { name: 'MalformedMessageError' })
  })

  it('refuses a changed payload, type or signer even when well-formed', () => {
    const rec = signRecord(kp, DOMAIN, 'mycel/test/1', payload)
    const changed = [
      { ...rec, payload: encodeCbor({ hello: 'mesh', n: 2 }) },
      { ...rec, payloadType: 'mycel/test/2' },
      { ...rec, publicKey: generateKeyPair().publicKey }
    ]
    for (const r of changed) assert.throws(() => openSignedRecord(encodeSignedRecord(r), { domain: DOMAIN, maxBytes: 1024 }), { name: 'InvalidSignatureError' })
  })

  it('refuses oversized records before parsing', () => {
    const big = encodeSignedRecord(signRecord(kp, DOMAIN, 'mycel/test/1', new Uint8Array(2000)))
    assert.throws(() => openSignedRecord(big, opts), { name: 'MessageTooLargeError' })
  })

  it('random, truncated and mutated records only ever give typed errors', () => {
    const valid = encodeSignedRecord(signRecord(kp, DOMAIN, 'mycel/test/1', payload))
    const typed = new Set(['MalformedMessageError', 'MessageTooLargeError', 'InvalidSignatureError'])
    const check = (b: Uint8Array): void => {
      try {
        const rec = openSignedRecord(b, opts)
        assert.deepEqual(rec.payload, payload) // anything that opens is the genuine record
      } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1100 }), check), { numRuns: 1000 })
    fc.assert(fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const m = valid.slice(); m[i] = (m[i] as number) ^ x; check(m)
    }), { numRuns: 1000 })
    for (let n = 0; n < valid.length; n++) check(valid.slice(0, n))
    fc.assert(fc.property(fc.anything(), v => { check(encodeCbor(v)) }), { numRuns: 500 })
    check(encodeCbor([...(decodeCbor(valid, { maxBytes: 1024 }) as unknown[]), 'extra']))
  })
})
