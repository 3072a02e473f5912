import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { arrayOf, bytes, literal, object, optional, parse, str, uint } from '../../protocol/shape.ts'

const Hello = object({ v: literal(1), name: str({ max: 16 }), tags: arrayOf(str({ max: 8 }), { max: 4 }), key: bytes({ length: 4 }), n: optional(uint({ max: 10 })) })

describe('protocol/cbor', () => {
  it('round-trips a message through encode, bounded decode and shape', () => {
    const msg = { v: 1 as const, name: 'alice', tags: ['a', 'b'], key: new Uint8Array([1, 2, 3, 4]) }
    const back = parse(Hello, decodeCbor(encodeCbor(msg), { maxBytes: 1024 }), 'hello')
    assert.deepEqual(back, msg)
  })

  it('refuses oversized input before parsing it', () => {
    assert.throws(() => decodeCbor(new Uint8Array(2000), { maxBytes: 1000 }), { name: 'MessageTooLargeError' })
  })

  it('refuses unknown fields, wrong types and trailing bytes with a typed error', () => {
    const extra = encodeCbor({ v: 1, name: 'a', tags: [], key: new Uint8Array(4), evil: true })
    assert.throws(() => parse(Hello, decodeCbor(extra, { maxBytes: 1024 }), 'hello'), { name: 'MalformedMessageError', message: /evil/ })
    const wrong = encodeCbor({ v: 1, name: 42, tags: [], key: new Uint8Array(4) })
    assert.throws(() => parse(Hello, decodeCbor(wrong, { maxBytes: 1024 }), 'hello'), { name: 'MalformedMessageError', message: /name/ })
    const two = new Uint8Array([...encodeCbor(1), ...encodeCbor(2)])
    assert.throws(() => decodeCbor(two, { maxBytes: 1024 }), { name: 'MalformedMessageError' })
  })

  it('never throws anything but a typed error on random or mutated bytes', () => {
    const valid = encodeCbor({ v: 1, name: 'alice', tags: ['x'], key: new Uint8Array(4) })
    const typed = new Set(['MalformedMessageError', 'MessageTooLargeError'])
    const check = (input: Uint8Array): void => {
      try { parse(Hello, decodeCbor(input, { maxBytes: 512 }), 'hello') } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: 2000 })
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, b) => {
      const m = valid.slice(); m[i] = b; check(m)
    }), { numRuns: 2000 })
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length }), n => { check(valid.slice(0, n)) }))
  })
})
