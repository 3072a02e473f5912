/**
 * The delegator's side of the task protocol: `submit`, `attach` and
 * `cancel`, one stream each at a time. A stream whose exchange ended
 * cleanly (its result or error frame read) is kept for the next call to the
 * same member for `TASK_STREAM_IDLE_MS`, so a run of tasks pays for one
 * stream setup, not one each; a stream that broke or was abandoned is
 * reset. Submit and attach are async generators of the task's events
 * (output pieces and the result, in clear, in order), so the router reads
 * a remote task like a local one. Everything that can go wrong
 * is one `TaskClientError` whose `code` the router switches on.
 *
 * @example
 * for await (const e of client.submit(peer, request, session, { signal })) {
 *   if (e.type === 'text') show(e.data); else return e.output
 * }
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import type { Logger } from '../../logger.ts'
import { frame, type FramedStream } from '../../streams.ts'
import { decodeCbor } from '../../../protocol/cbor.ts'
import { isPlainObject } from '../../../protocol/shape.ts'
import { decodeTaskEvent, encodeTaskFrame, MAX_TASK_FRAME_BYTES, TASK_PROTOCOL, type TaskCall, type TaskEvent } from '../../../protocol/task/messages.ts'
import type { E2ESession } from '../../../protocol/e2e/index.ts'
import type { TaskOutput } from '../registry.ts'
import type { TaskLoad } from '../../../protocol/load/index.ts'
import { ToolCallsShape } from '../../../protocol/task/chat.ts'
import { TaskClientError } from './errors.ts'
import { failureText } from '../errors.ts'
import { BUSY_RETRY_AFTER_MS, LIBP2P_STREAM_HEADROOM, TASK_CANCEL_TIMEOUT_MS, TASK_DIAL_TIMEOUT_MS, TASK_IDLE_STREAMS_PER_MEMBER, TASK_STALL_TIMEOUT_MS, TASK_STREAM_IDLE_MS, TASK_STREAMS_PER_CONNECTION } from '../constants.ts'

export type ClientEvent =
  | { type: 'text', seq: number, data: Uint8Array }
  | { type: 'result', seq: number, output: TaskOutput }

export interface TaskClientComponents {
  logger: Logger
  host: {
    dialProtocol: (peer: ReturnType<typeof peerIdFromString>, protocol: string, o: { signal: AbortSignal, maxOutboundStreams?: number }) => Promise<Stream>
  }
  /** The executor's load as its result or failure said (the router's freshest figure). @default ignored */
  onLoad?: (peer: string, load: TaskLoad) => void
}

export interface TaskClientInit {
  /** A task that sends nothing this long is stalled. @default TASK_STALL_TIMEOUT_MS */
  stallTimeoutMs?: number
  /** @default TASK_DIAL_TIMEOUT_MS */
  dialTimeoutMs?: number
  /** Task streams open to one member at once; past it a submit is `busy`. @default TASK_STREAMS_PER_CONNECTION */
  maxOutboundStreams?: number
  /** How long a finished exchange's stream waits for the next call to that member; 0 closes it at once. @default TASK_STREAM_IDLE_MS */
  streamIdleMs?: number
}

interface IdleStream { framed: FramedStream, timer: ReturnType<typeof setTimeout> }

export interface ExchangeOptions {
  signal?: AbortSignal
  /** Events up to this sequence number were seen already (a re-attach). @default 0 */
  afterSeq?: number
}

export class TaskClient {
  private readonly c: TaskClientComponents
  private readonly stallTimeoutMs: number
  private readonly dialTimeoutMs: number
  private readonly maxOutboundStreams: number
  private readonly streamIdleMs: number
  /** Task streams open per member. */
  private readonly streams = new Map<string, number>()
  /** Streams of finished exchanges per member, newest last. */
  private readonly idle = new Map<string, IdleStream[]>()

  constructor (components: TaskClientComponents, init: TaskClientInit = {}) {
    this.c = components
    this.stallTimeoutMs = init.stallTimeoutMs ?? TASK_STALL_TIMEOUT_MS
    this.dialTimeoutMs = init.dialTimeoutMs ?? TASK_DIAL_TIMEOUT_MS
    this.maxOutboundStreams = init.maxOutboundStreams ?? TASK_STREAMS_PER_CONNECTION
    this.streamIdleMs = init.streamIdleMs ?? TASK_STREAM_IDLE_MS
  }

  /** Closes the streams kept for later calls. */
  stop (): void {
    for (const kept of this.idle.values()) for (const { framed, timer } of kept) { clearTimeout(timer); void framed.close() }
    this.idle.clear()
  }

  /** Sends a signed request and yields the task's output until its result. */
  submit (peer: string, request: Uint8Array, session: E2ESession, opts: ExchangeOptions = {}): AsyncGenerator<ClientEvent> {
    return this.exchange(peer, { v: 1, t: 'submit', request }, session, opts)
  }

  /** Re-attaches to a task after a broken stream; yields what comes after `afterSeq`. */
  attach (peer: string, taskId: string, session: E2ESession, opts: ExchangeOptions = {}): AsyncGenerator<ClientEvent> {
    return this.exchange(peer, { v: 1, t: 'attach', taskId, afterSeq: opts.afterSeq ?? 0 }, session, opts)
  }

  /** Asks the executor to stop a task; best effort, never throws. */
  async cancel (peer: string, taskId: string): Promise<void> {
    try {
      const framed = await this.open(peer, AbortSignal.timeout(TASK_CANCEL_TIMEOUT_MS))
      await framed.write(encodeTaskFrame({ v: 1, t: 'cancel', taskId }))
      await framed.read(decodeTaskEvent, { signal: AbortSignal.timeout(TASK_CANCEL_TIMEOUT_MS) }).catch(() => {})
      await framed.close()
    } catch (err) {
      this.c.logger('cancel of %s on %s failed: %s', taskId, peer, (err as Error).message)
    }
  }

  private async open (peer: string, signal: AbortSignal): Promise<FramedStream> {
    const stream = await this.c.host.dialProtocol(peerIdFromString(peer), TASK_PROTOCOL, { signal, maxOutboundStreams: this.maxOutboundStreams * LIBP2P_STREAM_HEADROOM })
    return frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
  }

  /** A kept stream to `peer` still open both ways, or undefined. */
  private reuse (peer: string): FramedStream | undefined {
    const kept = this.idle.get(peer)
    for (let next = kept?.pop(); next != null; next = kept?.pop()) {
      clearTimeout(next.timer)
      const { stream } = next.framed
      if (stream.status === 'open' && stream.readStatus === 'readable' && stream.writeStatus === 'writable') {
        if (kept?.length === 0) this.idle.delete(peer)
        return next.framed
      }
      next.framed.reset(new TaskClientError('closed', 'A kept stream went stale'))
    }
    this.idle.delete(peer)
    return undefined
  }

  /** Keeps the stream of a cleanly ended exchange for the next call to `peer`. */
  private keep (peer: string, framed: FramedStream): void {
    const kept = this.idle.get(peer) ?? []
    if (this.streamIdleMs <= 0 || kept.length >= TASK_IDLE_STREAMS_PER_MEMBER) { void framed.close(); return }
    const timer = setTimeout(() => {
      const list = this.idle.get(peer)
      const i = list?.findIndex(k => k.framed === framed) ?? -1
      if (list != null && i >= 0) list.splice(i, 1)
      if (list?.length === 0) this.idle.delete(peer)
      void framed.close()
    }, this.streamIdleMs)
    timer.unref?.()
    kept.push({ framed, timer })
    this.idle.set(peer, kept)
  }

  /**
   * A stream with the call written on it: a kept one when its write goes
   * through, else a new one. `reused` says which: on a kept stream, a clean
   * close before any frame means the executor had closed it unread.
   */
  private async send (peer: string, call: Uint8Array, signal?: AbortSignal): Promise<{ framed: FramedStream, reused: boolean }> {
    const kept = this.reuse(peer)
    if (kept != null) {
      try {
        await kept.write(call)
        return { framed: kept, reused: true }
      } catch {
        kept.reset(new TaskClientError('closed', 'A kept stream broke'))
      }
    }
    try {
      const framed = await this.open(peer, anySignal(AbortSignal.timeout(this.dialTimeoutMs), signal))
      await framed.write(call)
      return { framed, reused: false }
    } catch (err) {
      if (signal?.aborted === true) throw new TaskClientError('canceled', 'Canceled')
      if ((err as Error).name === 'TooManyOutboundProtocolStreamsError') throw new TaskClientError('busy', `Too many tasks open to ${peer}`, { retryAfterMs: BUSY_RETRY_AFTER_MS })
      throw new TaskClientError('dial', `Could not reach ${peer}: ${(err as Error).message}`)
    }
  }

  private async * exchange (peer: string, call: TaskCall, session: E2ESession, opts: ExchangeOptions): AsyncGenerator<ClientEvent> {
    // counted here, not by libp2p: its per-protocol count misses streams still negotiating,
    // so a burst would pass it and meet the executor's inbound limit as a closed stream
    const open = this.streams.get(peer) ?? 0
    if (open >= this.maxOutboundStreams) throw new TaskClientError('busy', `${open} tasks are open to ${peer} already`, { retryAfterMs: BUSY_RETRY_AFTER_MS })
    this.streams.set(peer, open + 1)
    try {
      yield * this.exchangeOn(peer, call, session, opts)
    } finally {
      const n = (this.streams.get(peer) ?? 1) - 1
      if (n <= 0) this.streams.delete(peer)
      else this.streams.set(peer, n)
    }
  }

  private async * exchangeOn (peer: string, call: TaskCall, session: E2ESession, opts: ExchangeOptions): AsyncGenerator<ClientEvent> {
    const { signal } = opts
    const bytes = encodeTaskFrame(call)
    let { framed, reused } = await this.send(peer, bytes, signal)
    let last = opts.afterSeq ?? 0
    let ended = false
    try {
      for (;;) {
        const event = await this.next(framed, peer, signal, reused)
        if (event == null) {
          // a kept stream the executor closed cleanly as we took it: it closes only a stream whose
          // next call it has not read, so the call goes again on a new one (a stream that breaks
          // is reset instead, and fails over or re-attaches as any other)
          framed.reset(new TaskClientError('closed', 'A kept stream went stale'))
          ;({ framed, reused } = await this.send(peer, bytes, signal))
          continue
        }
        reused = false
        if (event.t === 'state') continue
        if ((event.t === 'error' || event.t === 'result') && event.load != null) this.c.onLoad?.(peer, event.load)
        if (event.t === 'error') {
          const text = `Executor ${event.state === 'rejected' ? 'rejected' : 'failed'} the task: ${failureText(event.code, event.limit)}`
          // the exchange ended as the protocol says: the stream serves the next call
          ended = true
          this.keep(peer, framed)
          throw new TaskClientError(event.code === 'busy' ? 'busy' : 'remote', text, { remoteCode: event.code, ...(event.retryAfterMs != null ? { retryAfterMs: event.retryAfterMs } : {}), ...(event.limit != null ? { limit: event.limit } : {}) })
        }
        if (event.seq <= last) continue // already seen before a re-attach
        if (event.seq !== last + 1) throw new TaskClientError('malformed', `${peer} skipped output (sequence gap)`)
        let plain: Uint8Array
        try { plain = session.open(event.data, event.seq) } catch { throw new TaskClientError('malformed', `${peer} sent output that does not open`) }
        last = event.seq
        if (event.t === 'chunk') { yield { type: 'text', seq: event.seq, data: plain }; continue }
        const output = decodeOutput(plain)
        if (output == null) throw new TaskClientError('malformed', `${peer} sent a result that is not a task output`)
        ended = true
        this.keep(peer, framed)
        yield { type: 'result', seq: event.seq, output }
        return
      }
    } finally {
      // an error, or a consumer that stopped reading: the stream is not needed any more
      if (!ended) framed.reset(new TaskClientError('closed', 'The exchange ended early'))
    }
  }

  /** The next event; with `orEnd`, null when the executor closed the stream cleanly before it. */
  private async next (framed: FramedStream, peer: string, signal: AbortSignal | undefined, orEnd: boolean): Promise<TaskEvent | null> {
    try {
      const options = { signal: anySignal(AbortSignal.timeout(this.stallTimeoutMs), signal) }
      return orEnd ? await framed.readOrEnd(decodeTaskEvent, options) : await framed.read(decodeTaskEvent, options)
    } catch (err) {
      const name = (err as Error).name
      if (signal?.aborted === true) throw new TaskClientError('canceled', 'Canceled')
      if (name === 'MalformedMessageError' || name === 'MessageTooLargeError') throw new TaskClientError('malformed', `${peer} sent a malformed frame`)
      if (name === 'TimeoutError' || name === 'AbortError') throw new TaskClientError('stalled', `No output from ${peer} for ${this.stallTimeoutMs} ms`)
      throw new TaskClientError('closed', name === 'StreamClosedError' ? `${peer} closed the stream` : `The stream to ${peer} broke: ${(err as Error).message}`)
    }
  }
}

function decodeOutput (plain: Uint8Array): TaskOutput | undefined {
  try {
    const value = decodeCbor(plain, { maxBytes: MAX_TASK_FRAME_BYTES })
    if (!isPlainObject(value) || !('output' in value)) return undefined
    // the calls an executor's model made reach API clients as they are: their shape is checked here
    if (value.toolCalls !== undefined) ToolCallsShape(value.toolCalls, 'toolCalls')
    return value as unknown as TaskOutput
  } catch {
    return undefined
  }
}

function anySignal (a: AbortSignal, b?: AbortSignal): AbortSignal {
  return b == null ? a : AbortSignal.any([a, b])
}

/** @example const client = taskClient()({ logger, host }) */
export function taskClient (init: TaskClientInit = {}): (components: TaskClientComponents) => TaskClient {
  return (components) => new TaskClient(components, init)
}
