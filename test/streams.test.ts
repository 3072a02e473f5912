/**
 * The frame reader tells the end of input apart by structure: a clean close
 * between frames is the end, a frame cut short by a reset is a broken
 * stream (the task router re-attaches), and a frame cut short by a clean
 * close is malformed. Real libp2p streams from `streamPair()`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { streamPair } from '@libp2p/utils'
import { frame, StreamClosedError } from '../node/streams.ts'

const identity = (b: Uint8Array): Uint8Array => b
const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 20)) }

describe('frame reader end of input', () => {
  it('reads frames, then null after a clean close between frames', async () => {
    const [a, b] = await streamPair()
    const out = frame(a, { maxFrameBytes: 1024 })
    const inp = frame(b, { maxFrameBytes: 1024 })
    await out.writeMany([Uint8Array.of(1, 2), new Uint8Array(300).fill(7)])
    await out.close()
    assert.deepEqual(await inp.readOrEnd(identity), Uint8Array.of(1, 2))
    assert.equal((await inp.readOrEnd(identity))?.byteLength, 300)
    assert.equal(await inp.readOrEnd(identity), null)
  })

  it('calls a frame cut short by a reset a broken stream, not a malformed frame', async () => {
    const [a, b] = await streamPair()
    const inp = frame(b, { maxFrameBytes: 1024 })
    a.send(Uint8Array.of(100, 1, 2, 3)) // says 100 bytes, sends 3
    await tick()
    a.abort(new Error('the connection dropped'))
    await tick()
    await assert.rejects(inp.read(identity), (err: Error) => err instanceof StreamClosedError)
  })

  it('calls a frame cut short by a clean close malformed', async () => {
    const [a, b] = await streamPair()
    const inp = frame(b, { maxFrameBytes: 1024 })
    a.send(Uint8Array.of(100, 1, 2, 3))
    await a.close()
    await assert.rejects(inp.read(identity), { name: 'MalformedMessageError' })
  })

  it('refuses a length past the limit before buffering it', async () => {
    const [a, b] = await streamPair()
    const inp = frame(b, { maxFrameBytes: 1024 })
    a.send(Uint8Array.of(0x81, 0x10)) // 2049
    await assert.rejects(inp.read(identity), { name: 'MessageTooLargeError' })
  })
})

describe('frame reader buffering', () => {
  it('holds several full-size frames that arrive before the reader asks for them', async () => {
    const [a, b] = await streamPair()
    const max = 64 * 1024
    const out = frame(a, { maxFrameBytes: max })
    const inp = frame(b, { maxFrameBytes: max })
    // three largest frames back to back, as an executor streams 1 MB outputs, before anyone reads
    await out.writeMany([new Uint8Array(max).fill(1), new Uint8Array(max).fill(2), new Uint8Array(max).fill(3)])
    await tick()
    for (const fill of [1, 2, 3]) {
      const got = await inp.read(identity)
      assert.equal(got.byteLength, max)
      assert.equal(got[max - 1], fill)
    }
  })
})
