import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair, isPeerId, peerIdFromPublicKey, publicKeyFromPeerId, toLibp2pPrivateKey } from '../../identity/index.ts'

describe('identity/peer-id', () => {
  it('derives the libp2p peer id from the identity key and recovers the key from it', () => {
    const kp = generateKeyPair()
    const id = peerIdFromPublicKey(kp.publicKey)
    assert.match(id, /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
    assert.deepEqual(publicKeyFromPeerId(id), kp.publicKey)
    assert.equal(isPeerId(id), true)
  })

  it('gives libp2p a private key whose peer id is the node identity', () => {
    const kp = generateKeyPair()
    const key = toLibp2pPrivateKey(kp)
    assert.equal(peerIdFromPrivateKey(key).toString(), peerIdFromPublicKey(kp.publicKey))
    assert.deepEqual(key.publicKey.raw, kp.publicKey)
  })

  it('refuses RSA peer ids and garbage with InvalidPeerIdError', () => {
    assert.throws(() => publicKeyFromPeerId('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'), { name: 'InvalidPeerIdError', message: /RSA/ })
    assert.throws(() => publicKeyFromPeerId(''), { name: 'InvalidPeerIdError' })
    assert.throws(() => publicKeyFromPeerId('x'.repeat(1000)), { name: 'InvalidPeerIdError' })
    fc.assert(fc.property(fc.string({ maxLength: 80 }), s => {
      try { publicKeyFromPeerId(s) } catch (err) { assert.equal((err as Error).name, 'InvalidPeerIdError') }
    }), { numRuns: 1000 })
    assert.throws(() => peerIdFromPublicKey(new Uint8Array(31)), { name: 'InvalidKeyError' })
  })
})
