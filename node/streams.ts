/**
 * One CBOR message per length-prefixed frame on a libp2p v3 stream.
 *
 * Every Mycel protocol talks through this: the frame size is bounded before
 * a byte is buffered, and a frame that is too large, truncated, or does not
 * decode into the expected shape resets the stream with a typed error.
 *
 * @example
 * const framed = frame(stream, { maxFrameBytes: 64 * 1024 })
 * await framed.write(encodeHello(hello))
 * const reply = await framed.read(decodeWelcome, { signal })
 */
import { lpStream } from '@libp2p/utils'
import type { AbortOptions, Stream } from '@libp2p/interface'
import { MalformedMessageError, MessageTooLargeError } from '../protocol/errors.ts'

export interface FramedStream {
  /** Reads one frame and decodes it; throws a typed error on bad input or a closed stream. */
  read: <T>(decode: (bytes: Uint8Array) => T, options?: AbortOptions) => Promise<T>
  /** Reads one frame, or `null` when the remote closed its side cleanly. */
  readOrEnd: <T>(decode: (bytes: Uint8Array) => T, options?: AbortOptions) => Promise<T | null>
  write: (bytes: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Writes several frames in one go (one muxer message instead of one each). */
  writeMany: (frames: Uint8Array[], options?: AbortOptions) => Promise<void>
  /** Closes our side after pending writes flush. */
  close: (options?: AbortOptions) => Promise<void>
  /** Resets the stream, telling the remote why in our logs only. */
  reset: (err: Error) => void
  stream: Stream
}

export class StreamClosedError extends Error {
  static override name = 'StreamClosedError'
  constructor (message = 'The remote closed the stream') {
    super(message)
    this.name = StreamClosedError.name
  }
}

export function frame (stream: Stream, opts: { maxFrameBytes: number }): FramedStream {
  const lp = lpStream(stream, { maxDataLength: opts.maxFrameBytes })

  async function readBytes (options?: AbortOptions): Promise<Uint8Array | null> {
    try {
      const list = await lp.read(options)
      return list.subarray()
    } catch (err: any) {
      if (err?.name === 'InvalidDataLengthError' || err?.name === 'InvalidDataLengthLengthError') {
        throw new MessageTooLargeError(`Frame exceeds the limit of ${opts.maxFrameBytes} bytes`)
      }
      if (err?.name === 'UnexpectedEOFError') {
        // a clean close between frames reads as EOF with nothing buffered
        if (/after reading 0\//.test(String(err.message))) return null
        throw new MalformedMessageError('Truncated frame')
      }
      throw err
    }
  }

  return {
    stream,
    async read (decode, options) {
      const bytes = await readBytes(options)
      if (bytes == null) throw new StreamClosedError()
      return decode(bytes)
    },
    async readOrEnd (decode, options) {
      const bytes = await readBytes(options)
      return bytes == null ? null : decode(bytes)
    },
    async write (bytes, options) {
      await lp.write(bytes, options)
    },
    async writeMany (frames, options) {
      if (frames.length === 1) await lp.write(frames[0] as Uint8Array, options)
      else if (frames.length > 1) await lp.writeV(frames, options)
    },
    async close (options) {
      await stream.close(options).catch(() => {})
    },
    reset (err) {
      stream.abort(err)
    }
  }
}

/**
 * Frames published in the same tick (state, chunk, result) leave as one
 * muxer message; order is kept and the stream is not written concurrently.
 */
export class Outbox {
  private readonly framed: FramedStream
  private queued: Uint8Array[] = []
  private flushing: Promise<void> = Promise.resolve()
  private scheduled = false
  private broken = false

  constructor (framed: FramedStream) { this.framed = framed }

  push (frame: Uint8Array): void {
    if (this.broken) return
    this.queued.push(frame)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const batch = this.queued
      this.queued = []
      this.flushing = this.flushing.then(async () => { await this.framed.writeMany(batch) }).catch(() => { this.broken = true })
    })
  }

  /** Resolves once everything pushed so far is written (or the stream broke). */
  async drain (): Promise<void> {
    while (this.scheduled || this.queued.length > 0) await new Promise(resolve => setImmediate(resolve))
    await this.flushing
  }
}
