import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { preSharedKey } from '@libp2p/pnet'
import { generatePsk, pskToPnetKey } from '../../identity/index.ts'

const psk = generatePsk()

describe('identity/psk', () => {
  it('formats the psk the way @libp2p/pnet reads it', () => {
    const key = pskToPnetKey(psk)
    assert.equal(new TextDecoder().decode(key), `/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(psk).toString('hex')}`)
    assert.doesNotThrow(() => preSharedKey({ psk: key })())
    assert.throws(() => preSharedKey({ psk: new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\nabcd') })())
    assert.throws(() => pskToPnetKey(new Uint8Array(16)), { name: 'InvalidKeyError' })
    assert.notDeepEqual(generatePsk(), generatePsk())
  })
})
