/**
 * Rough single-thread memory bandwidth, memcpy-style, on buffers larger than
 * the last-level cache: `read` compares two equal buffers (memcmp streams
 * both and writes nothing, as a decode step streams weights), `copy` is
 * memcpy counted as bytes read plus bytes written. The read figure is the
 * ceiling a one-thread decode step works under (docs/benchmarks.md, "Roofline").
 */

/** 512 MiB per buffer: past this machine's 300 MiB L3, so the traffic goes to DRAM. */
const BUFFER_BYTES = 512 * 1024 * 1024
const ROUNDS = 4

export interface Bandwidth {
  /** memcmp of two equal buffers: bytes read per second, best round (the least disturbed by other load). */
  readBytesPerSecond: number
  /** memcpy: bytes read + written per second, best round. */
  copyBytesPerSecond: number
}

function best (rounds: number, bytes: number, fn: () => void): number {
  let top = 0
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    fn()
    top = Math.max(top, bytes / ((performance.now() - start) / 1000))
  }
  return top
}

export function measureBandwidth (bytes = BUFFER_BYTES, rounds = ROUNDS): Bandwidth {
  const a = Buffer.alloc(bytes, 1)
  const b = Buffer.alloc(bytes)
  a.copy(b) // first touch of b's pages, not timed
  const copyBytesPerSecond = best(rounds, 2 * bytes, () => { a.copy(b) })
  const readBytesPerSecond = best(rounds, 2 * bytes, () => { if (a.compare(b) !== 0) throw new Error('buffers differ') })
  return { readBytesPerSecond, copyBytesPerSecond }
}
