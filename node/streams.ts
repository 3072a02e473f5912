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
import { byteStream } from '@libp2p/utils'
import { encode as varint, encodingLength as varintLength } from 'uint8-varint'
import { concat } from 'uint8arrays/concat'
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

/** The most bytes an unsigned varint length prefix (as `it-length-prefixed` writes it) of a 53-bit number takes. */
const MAX_VARINT_BYTES = 8
/**
 * Frames a stream may hold unread. The byte stream buffers what arrives
 * with no backpressure, so a bound of one frame broke a task whose executor
 * sent two large outputs back to back; four keeps memory per stream bounded
 * (about 4 MiB for task frames, what `lpStream`'s default allowed before).
 */
const BUFFERED_FRAMES = 4
/** The floor of the read buffer, for protocols with small frames. */
const MIN_READ_BUFFER_BYTES = 1024 * 1024

export class StreamClosedError extends Error {
  static override name = 'StreamClosedError'
  constructor (message = 'The remote closed the stream') {
    super(message)
    this.name = StreamClosedError.name
  }
}

/**
 * Reads length-prefixed frames (unsigned varint length, then the bytes, as
 * `it-length-prefixed` writes them) and counts what it has read of the frame
 * in hand, so the end of input is told apart by structure, never by the text
 * of libp2p's errors: no byte of a frame yet means the remote closed between
 * frames; a frame cut short means a broken transport when the stream was
 * reset or aborted, and a truncated (malformed) frame when the remote closed
 * its side cleanly in the middle of one.
 */
export function frame (stream: Stream, opts: { maxFrameBytes: number }): FramedStream {
  const bytes = byteStream(stream, { maxBufferSize: Math.max(MIN_READ_BUFFER_BYTES, BUFFERED_FRAMES * (opts.maxFrameBytes + MAX_VARINT_BYTES)) })
  const maxLengthBytes = varintLength(opts.maxFrameBytes)

  async function readBytes (options?: AbortOptions): Promise<Uint8Array | null> {
    let read = 0
    try {
      let length = 0
      for (let shift = 0; ; shift += 7) {
        const b = (await bytes.read({ ...options, bytes: 1 })).get(0)
        read++
        length += (b & 0x7f) * 2 ** shift
        if ((b & 0x80) === 0) break
        if (read >= maxLengthBytes) throw new MessageTooLargeError(`Frame exceeds the limit of ${opts.maxFrameBytes} bytes`)
      }
      if (length > opts.maxFrameBytes) throw new MessageTooLargeError(`Frame exceeds the limit of ${opts.maxFrameBytes} bytes`)
      if (length === 0) return new Uint8Array(0)
      return (await bytes.read({ ...options, bytes: length })).subarray()
    } catch (err: any) {
      if (err?.name !== 'UnexpectedEOFError') throw err
      if (read === 0) return null
      if (stream.status === 'reset' || stream.status === 'aborted') throw new StreamClosedError('The stream broke in the middle of a frame')
      throw new MalformedMessageError('Truncated frame')
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
    async write (data, options) {
      await bytes.write(concat([varint(data.byteLength), data]), options)
    },
    async writeMany (frames, options) {
      if (frames.length > 0) await bytes.write(concat(frames.flatMap(f => [varint(f.byteLength), f])), options)
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

  /** Whether a write failed: what was pushed after it was dropped. */
  get failed (): boolean { return this.broken }

  /** Resolves once everything pushed so far is written (or the stream broke). */
  async drain (): Promise<void> {
    while (this.scheduled || this.queued.length > 0) await new Promise(resolve => setImmediate(resolve))
    await this.flushing
  }
}
