/**
 * The one tokenizer behind the BM25 index and queries. It must stay stable:
 * postings are removed by re-tokenizing the stored chunk text, so a change
 * here needs a store format bump (`STORE_FORMAT` in keys.ts).
 */
import { MAX_TOKEN_CHARS } from './constants.ts'

const WORD = /[\p{L}\p{N}]+/gu

/** Lowercased, NFKC-normalised runs of letters and digits; one-character and overlong tokens dropped. */
export function tokenize (text: string): string[] {
  const out: string[] = []
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    const t = m[0]
    if (t.length < 2 || t.length > MAX_TOKEN_CHARS) continue
    out.push(t)
  }
  return out
}

/** Term frequencies and length (token count) of a text. */
export function termFrequencies (text: string): { tf: Map<string, number>, length: number } {
  const tf = new Map<string, number>()
  const tokens = tokenize(text)
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1)
  return { tf, length: tokens.length }
}
