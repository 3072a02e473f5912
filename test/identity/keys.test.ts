import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import fc from 'fast-check'
import { generateKeyPair, keyPairFromSeed, sign, signNoble, verify, verifyNoble } from '../../identity/index.ts'

const kp = generateKeyPair()
const other = generateKeyPair()

describe('identity/keys', () => {
  it('derives the same key pair from the same seed and signs verifiably', () => {
    const again = keyPairFromSeed(kp.secretKey)
    assert.deepEqual(again.publicKey, kp.publicKey)
    const msg = new TextEncoder().encode('hello mesh')
    const sig = sign(kp.secretKey, msg)
    assert.equal(sig.byteLength, 64)
    assert.equal(verify(kp.publicKey, msg, sig), true)
    assert.equal(verifyNoble(kp.publicKey, msg, sig), true)
  })

  it('refuses seeds of the wrong length with a typed error', () => {
    assert.throws(() => keyPairFromSeed(new Uint8Array(31)), { name: 'InvalidKeyError' })
    assert.throws(() => sign(new Uint8Array(64), new Uint8Array(1)), { name: 'InvalidKeyError' })
  })

  it('signs byte-identically to noble and to Node natively (Ed25519 is deterministic)', () => {
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), kp.secretKey])
    const native = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), msg => {
      const mine = sign(kp.secretKey, msg)
      assert.deepEqual(mine, signNoble(kp.secretKey, msg))
      assert.deepEqual(mine, new Uint8Array(nodeSign(null, msg, native)))
    }), { numRuns: 200 })
  })

  it('never signs with a stale key when a secret-key array is reused with new contents', () => {
    const buf = Uint8Array.from(kp.secretKey)
    const msg = new Uint8Array([1, 2, 3])
    assert.equal(verify(kp.publicKey, msg, sign(buf, msg)), true)
    buf.set(other.secretKey)
    assert.equal(verify(other.publicKey, msg, sign(buf, msg)), true)
  })

  it('native verify agrees with noble on good, corrupted and foreign signatures', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), fc.nat(63), fc.integer({ min: 1, max: 255 }), (msg, pos, flip) => {
      const sig = sign(kp.secretKey, msg)
      assert.equal(verify(kp.publicKey, msg, sig), true)
      assert.equal(verifyNoble(kp.publicKey, msg, sig), true)
      const bad = sig.slice(); bad[pos] = (bad[pos] as number) ^ flip
      assert.equal(verify(kp.publicKey, msg, bad), verifyNoble(kp.publicKey, msg, bad))
      assert.equal(verify(kp.publicKey, msg, bad), false)
      assert.equal(verify(other.publicKey, msg, sig), false)
      assert.equal(verifyNoble(other.publicKey, msg, sig), false)
      const msg2 = Uint8Array.from([...msg, 0])
      assert.equal(verify(kp.publicKey, msg2, sig), false)
      assert.equal(verifyNoble(kp.publicKey, msg2, sig), false)
    }), { numRuns: 150 })
  })

  it('native verify agrees with noble on random keys and signatures, and never throws', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (pub, sig, msg) => {
      assert.equal(verify(pub, msg, sig), verifyNoble(pub, msg, sig))
    }), { numRuns: 300 })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), (pub, sig) => {
      assert.equal(verify(pub, new Uint8Array(1), sig), verifyNoble(pub, new Uint8Array(1), sig))
    }), { numRuns: 300 })
  })

  it('rejects small-order and non-canonical public keys like noble strict mode does', () => {
    // identity point, a small-order key: with R = identity and S = 0 the cofactorless equation holds for any message
    const identity = new Uint8Array(32); identity[0] = 1
    const sig = new Uint8Array(64); sig[0] = 1
    const msg = new Uint8Array([42])
    const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity]), format: 'der', type: 'spki' })
    const openssl = nodeVerify(null, msg, spki, sig)
    assert.equal(verifyNoble(identity, msg, sig), false)
    assert.equal(verify(identity, msg, sig), false, `mycel must refuse what noble refuses (OpenSSL alone says ${String(openssl)})`)
    // y = p (non-canonical encoding of y = 0)
    const nonCanonical = Uint8Array.from(Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'))
    assert.equal(verify(nonCanonical, msg, sig), verifyNoble(nonCanonical, msg, sig))
    assert.equal(verify(nonCanonical, msg, sig), false)
  })

  it('keeps verifying correctly for many distinct keys (bounded key cache)', () => {
    const msg = new Uint8Array([7])
    const pairs = Array.from({ length: 1100 }, () => generateKeyPair())
    const sigs = pairs.map(p => sign(p.secretKey, msg))
    for (let i = 0; i < pairs.length; i++) assert.equal(verify((pairs[i] as typeof kp).publicKey, msg, sigs[i] as Uint8Array), true)
    assert.equal(verify((pairs[0] as typeof kp).publicKey, msg, sigs[1] as Uint8Array), false)
  })
})
