/**
 * A streaming response (newline-delimited JSON, or server-sent events) that
 * the server keeps track of, so shutting down can end it with a last error
 * in the stream's own format instead of cutting it off mid-line.
 *
 * @example
 * const out = ndjsonStream(res, registry)
 * out.write({ type: 'text', text: 'hi' })
 * out.fail(new HttpError('unavailable', 'The node is shutting down'))
 */
import type { ServerResponse } from 'node:http'
import { apiErrorObject } from './errors.ts'

export interface StreamFormat {
  headers: Record<string, string>
  /** One value as it goes on the wire, delimiters included. */
  frame: (value: unknown) => string
  /** The value of the last frame when the stream ends in an error. */
  error: (err: unknown) => unknown
}

export class ResponseStream {
  private readonly res: ServerResponse
  private readonly format: StreamFormat
  private readonly onDone: (s: ResponseStream) => void
  private done = false

  constructor (res: ServerResponse, format: StreamFormat, onDone: (s: ResponseStream) => void) {
    this.res = res
    this.format = format
    this.onDone = onDone
    res.once('close', () => { this.finish() })
  }

  /** Whether the headers (status 200) have gone out. */
  get started (): boolean { return this.res.headersSent }
  get ended (): boolean { return this.done }

  start (): void {
    if (this.res.headersSent || this.done) return
    this.res.writeHead(200, this.format.headers)
    this.res.flushHeaders()
  }

  write (value: unknown): void {
    if (this.done) return
    this.start()
    this.res.write(this.format.frame(value))
  }

  /** Writes the error as the stream's last frame and ends it. */
  fail (err: unknown): void {
    if (this.done) return
    this.write(this.format.error(err))
    this.end()
  }

  /** Ends the stream, after `tail` (e.g. SSE's `data: [DONE]`) when given. */
  end (tail?: string): void {
    if (this.done) return
    this.start()
    this.finish()
    this.res.end(tail)
  }

  private finish (): void {
    if (this.done) return
    this.done = true
    this.onDone(this)
  }
}

export const NDJSON: StreamFormat = {
  headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' },
  frame: (v) => JSON.stringify(v) + '\n',
  error: (err) => ({ type: 'error', error: apiErrorObject(err) })
}

export interface SseOptions {
  /** Names each event after its value's `type` (`event: message_start`), as Anthropic's API does. @default false */
  named?: boolean
}

/** Server-sent events (`text/event-stream`); the error frame is the caller's (OpenAI has its own). */
export function sseFormat (error: (err: unknown) => unknown, opts: SseOptions = {}): StreamFormat {
  return {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' },
    frame: (v) => {
      const type = (v as { type?: unknown } | null)?.type
      const name = opts.named === true && typeof type === 'string' ? `event: ${type}\n` : ''
      return `${name}data: ${JSON.stringify(v)}\n\n`
    },
    error
  }
}
