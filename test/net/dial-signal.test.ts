/**
 * `honourDialSignal`: a libp2p dial that stays pending past its signal must
 * not hold its caller (and with it a node's stop) any longer than the signal
 * says; a stream that opens after the caller gave up is aborted.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p, Stream } from '@libp2p/interface'
import { honourDialSignal } from '../../node/net/host.ts'

type Dial = Libp2p['dialProtocol']

function hostWith (dial: (resolve: (s: Stream) => void) => void): Pick<Libp2p, 'dialProtocol'> {
  const host = { dialProtocol: (async () => await new Promise<Stream>(resolve => { dial(resolve) })) as unknown as Dial }
  honourDialSignal(host)
  return host
}

describe('dial signal', { timeout: 10_000 }, () => {
  it('rejects when the signal fires although libp2p never settles the dial', async () => {
    const host = hostWith(() => {})
    const controller = new AbortController()
    const dialing = host.dialProtocol({} as any, '/x/1', { signal: controller.signal })
    controller.abort(new Error('node stopping'))
    await assert.rejects(dialing, /node stopping/)
  })

  it('aborts a stream that opens after the caller gave up', async () => {
    let open: ((s: Stream) => void) | undefined
    const host = hostWith(resolve => { open = resolve })
    const controller = new AbortController()
    const dialing = host.dialProtocol({} as any, '/x/1', { signal: controller.signal })
    controller.abort(new Error('deadline'))
    await assert.rejects(dialing, /deadline/)
    let aborted: Error | undefined
    open?.({ abort: (err: Error) => { aborted = err } } as unknown as Stream)
    await new Promise(resolve => setImmediate(resolve))
    assert.match(aborted?.message ?? '', /deadline/)
  })

  it('hands over the stream when the dial settles in time', async () => {
    const stream = { protocol: '/x/1' } as unknown as Stream
    const host = hostWith(resolve => { resolve(stream) })
    assert.equal(await host.dialProtocol({} as any, '/x/1', { signal: AbortSignal.timeout(5_000) }), stream)
  })
})
