/**
 * Word shingles and their fingerprints. Text is normalised (NFKC, lower
 * case, words of letters and digits only), so spacing, punctuation, case
 * and line breaks do not hide a copied passage; each run of `size` words is
 * hashed to a 53-bit number (FNV-1a in two 32-bit lanes, fast and
 * allocation-free). Only these numbers are kept, never the words.
 */

const WORD = /[\p{L}\p{N}]+/gu

export interface Word { word: string, start: number, end: number }

/** The normalised words of a text with their offsets in it. */
export function words (text: string): Word[] {
  const out: Word[] = []
  for (const m of text.matchAll(WORD)) out.push({ word: m[0].normalize('NFKC').toLowerCase(), start: m.index, end: m.index + m[0].length })
  return out
}

/** The fingerprint of `size` words starting at `from`. */
export function fingerprint (ws: readonly string[], from: number, size: number): number {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193 ^ size
  for (let i = from; i < from + size; i++) {
    const w = ws[i] as string
    for (let j = 0; j < w.length; j++) {
      const c = w.charCodeAt(j)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x5bd1e995)
    }
    // a word boundary, so "ab c" and "a bc" differ
    h1 = Math.imul(h1 ^ 0x20, 0x01000193)
    h2 = Math.imul(h2 ^ 0x20, 0x5bd1e995)
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff)
}

/** Every shingle fingerprint of a word list (none when it has fewer than `size` words). */
export function * shingles (ws: readonly string[], size: number): Generator<number> {
  for (let i = 0; i + size <= ws.length; i++) yield fingerprint(ws, i, size)
}
