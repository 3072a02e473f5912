/**
 * The memory store's key space, all inside one sublevel so that every write
 * for one document is one atomic batch.
 *
 *   meta/format                  { v, encrypted }          (never encrypted)
 *   meta/check                   sealed constant: detects a wrong key
 *   meta/next-chunk              next chunk number
 *   col/<c>                      collection record and corpus statistics
 *   doc/<c>/<d>                  document: source, hash, mtime, size, chunk numbers
 *   chk/<n>                      chunk: text, source, offsets, length in tokens
 *   pst/<c>/<t>/<s>              BM25 postings of term <t> in write segment <s>: (chunk, tf, length) triples
 *   vec/<c>/<n>                  embedding, Float32 little-endian
 *   pend/<c>/<d>                 a document written in several batches, not yet committed
 *
 * <c>, <d>, <t> are tokens from `ValueCodec.token` (keyed hashes when the
 * store is encrypted); <n> is a zero-padded decimal chunk number, so numeric
 * and key order agree. A write segment is the chunks one batch wrote (a whole
 * document, or one slice of a huge one); <s> is its first chunk number, never
 * reused, so a replaced document's blocks never collide with the new ones.
 * One key per term and segment instead of per chunk keeps search to a few
 * reads per term.
 */

/** Bump when the key space, value shapes or tokenizer change. */
export const STORE_FORMAT = 1

const PAD = 16

export function num (n: number): string {
  return String(n).padStart(PAD, '0')
}

export function parseNum (key: string): number {
  return Number(key.slice(key.length - PAD))
}

export const keys = {
  format: 'meta/format',
  check: 'meta/check',
  nextChunk: 'meta/next-chunk',
  col: (c: string) => `col/${c}`,
  colPrefix: 'col/',
  doc: (c: string, d: string) => `doc/${c}/${d}`,
  docPrefix: (c: string) => `doc/${c}/`,
  chunk: (n: number) => `chk/${num(n)}`,
  chunkPrefix: 'chk/',
  /** A posting block: the postings of term <t> among one write segment's chunks, keyed by the segment's first chunk number. */
  posting: (c: string, t: string, seg: number) => `pst/${c}/${t}/${num(seg)}`,
  termPrefix: (c: string, t: string) => `pst/${c}/${t}/`,
  postingPrefix: (c: string) => `pst/${c}/`,
  vector: (c: string, n: number) => `vec/${c}/${num(n)}`,
  vectorPrefix: (c: string) => `vec/${c}/`,
  pending: (c: string, d: string) => `pend/${c}/${d}`,
  pendingPrefix: 'pend/'
}

/** Range options covering every key that starts with `prefix`. */
export function range (prefix: string): { gte: string, lt: string } {
  return { gte: prefix, lt: prefix + '\uffff' }
}
