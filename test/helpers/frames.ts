/**
 * Raw bytes on a libp2p stream, for fuzzing the framing and decoders of
 * Mycel protocols: hand-made length prefixes (too large, lying about the
 * length), then how the remote ended the stream and what it sent back.
 *
 * @example
 * const out = await exchangeRaw(await conn.newStream(SYNC_PROTOCOL), [lengthPrefixed(randomBytes(40))])
 * assert.equal(out.ended, 'reset')
 */
import type { Stream } from '@libp2p/interface'

/** Unsigned LEB128, the length prefix libp2p's `lpStream` uses. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80) }
  out.push(v)
  return Uint8Array.from(out)
}

/** One well-formed frame around `payload`. */
export function lengthPrefixed (payload: Uint8Array): Uint8Array {
  return concat(varint(payload.byteLength), payload)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

export interface RawExchange {
  /** Every byte the remote sent back. */
  reply: Uint8Array
  /** `reset`: the remote aborted the stream; `closed`: it closed cleanly; `timeout`: neither within the wait. */
  ended: 'reset' | 'closed' | 'timeout'
}

/**
 * Sends `chunks` as they are, closes our writable end, and reads until the
 * remote ends the stream. Never throws for what the remote does.
 */
export async function exchangeRaw (stream: Stream, chunks: Uint8Array[], opts: { timeoutMs?: number } = {}): Promise<RawExchange> {
  const timeoutMs = opts.timeoutMs ?? 15_000
  const received: Uint8Array[] = []
  let timedOut = false
  let failed = false
  const timer = setTimeout(() => { timedOut = true; stream.abort(new Error('fuzz exchange timed out')) }, timeoutMs)
  const reading = (async () => {
    try {
      for await (const chunk of stream) received.push(chunk.subarray())
    } catch {
      failed = true
    }
  })()
  try {
    for (const c of chunks) {
      if (!stream.send(c)) await stream.onDrain({ signal: AbortSignal.timeout(timeoutMs) })
    }
    await stream.close({ signal: AbortSignal.timeout(timeoutMs) })
  } catch {
    // the remote may reset before we finish writing: that is an answer too
  }
  await reading
  clearTimeout(timer)
  const ended = timedOut ? 'timeout' : failed || stream.status === 'reset' || stream.status === 'aborted' ? 'reset' : 'closed'
  return { reply: concat(...received), ended }
}
