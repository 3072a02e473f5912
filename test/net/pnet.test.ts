import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import type { ConnectionProtector } from '@libp2p/interface'
import { decodeSwarmKey, privateNetwork, XSalsa20Stream } from '../../node/net/pnet.ts'
import { generatePsk, pskToPnetKey } from '../../identity/psk.ts'

const key = new Uint8Array(32).map((_, i) => i)
const nonce = new Uint8Array(24).map((_, i) => 100 + i)
/** XSalsa20(key, nonce) keystream, first 80 bytes, as the `xsalsa20` package `@libp2p/pnet` uses computes it. */
const KEYSTREAM_80 = '687dffe12afa5fef7e0feb195d6cd992f49572d6194281e3c87fbb4e2106932c02b999c93ab6cee9b0fd23943784a3183eaa38a7e4a64b1ba60c42940a8bc988a86ff4184f379be4f51617620013dd65'

async function host (protector: () => ConnectionProtector): Promise<Libp2p<{ ping: ReturnType<ReturnType<typeof ping>> }>> {
  return await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: protector,
    services: { ping: ping() }
  })
}

describe('net/pnet', () => {
  it('produces the standard XSalsa20 keystream', () => {
    const out = new XSalsa20Stream(key, nonce).update(new Uint8Array(80))
    assert.equal(Buffer.from(out).toString('hex'), KEYSTREAM_80)
  })

  it('ciphers any chunking of a stream exactly as one whole update', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(300), { maxLength: 40 }), (data, cuts) => {
      const whole = new XSalsa20Stream(key, nonce).update(data)
      const s = new XSalsa20Stream(key, nonce)
      const parts: Uint8Array[] = []
      let at = 0
      for (const c of cuts) { parts.push(s.update(data.subarray(at, at + c))); at = Math.min(data.length, at + c) }
      parts.push(s.update(data.subarray(at)))
      assert.deepEqual(Buffer.concat(parts), Buffer.from(whole))
    }), { numRuns: 200 })
  })

  it('refuses swarm keys that are not the V1 format', () => {
    assert.equal(decodeSwarmKey(pskToPnetKey(key)).length, 32)
    assert.throws(() => decodeSwarmKey(new TextEncoder().encode('/key/swarm/psk/1.0.0/\n/base16/\nabcd')), { name: 'PnetKeyError' })
    assert.throws(() => decodeSwarmKey(new TextEncoder().encode('/key/swarm/psk/9.9.9/\n/base16/\n' + '0'.repeat(64))), { name: 'PnetKeyError' })
    assert.throws(() => privateNetwork({ psk: new Uint8Array(3) }), { name: 'PnetKeyError' })
  })

  it('interoperates with @libp2p/pnet and keeps out other keys', async (t) => {
    const swarm = pskToPnetKey(generatePsk())
    const ours = await host(privateNetwork({ psk: swarm }))
    const upstream = await host(preSharedKey({ psk: swarm }))
    const outsider = await host(privateNetwork({ psk: pskToPnetKey(generatePsk()) }))
    t.after(async () => { await Promise.all([ours.stop(), upstream.stop(), outsider.stop()]) })
    assert.ok(await upstream.services.ping.ping(ours.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) }) >= 0)
    assert.ok(await ours.services.ping.ping(upstream.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) }) >= 0)
    await assert.rejects(outsider.services.ping.ping(ours.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(3000) }))
  })
})
