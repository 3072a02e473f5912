/**
 * The passage index: fingerprints of word shingles of each restricted
 * collection's chunks, in memory only, bounded in all by `maxFingerprints`.
 * A collection is (re)built whole when it changes, so a removed document's
 * passages go with it; no text is kept.
 *
 * @example
 * const index = new FingerprintIndex({ shingleWords: 8 })
 * index.set('hr', ['The launch codeword is periwinkle and nobody may know it.'])
 * index.match('they said the launch codeword is periwinkle and nobody may know') // [{ collection: 'hr', shingles: 1 }]
 */
import { MAX_FINGERPRINTS, SHINGLE_WORDS } from './constants.ts'
import { shingles, words } from './shingles.ts'

export interface FingerprintIndexInit {
  /** @default SHINGLE_WORDS */
  shingleWords?: number
  /** @default MAX_FINGERPRINTS */
  maxFingerprints?: number
}

export interface Match { collection: string, shingles: number }

export class FingerprintIndex {
  readonly shingleWords: number
  private readonly max: number
  private readonly sets = new Map<string, Set<number>>()
  private total = 0

  constructor (init: FingerprintIndexInit = {}) {
    this.shingleWords = init.shingleWords ?? SHINGLE_WORDS
    this.max = init.maxFingerprints ?? MAX_FINGERPRINTS
  }

  /** Fingerprints held, over all collections. */
  get size (): number { return this.total }

  collections (): string[] { return [...this.sets.keys()] }

  /**
   * Replaces a collection's fingerprints with those of `texts`; returns
   * false when the bound stopped it short (what fit is kept).
   */
  set (collection: string, texts: Iterable<string>): boolean {
    this.delete(collection)
    this.sets.set(collection, new Set())
    for (const text of texts) if (!this.add(collection, text)) return false
    return true
  }

  /** Adds one text's fingerprints to a collection (large collections are read chunk by chunk); false at the bound. */
  add (collection: string, text: string): boolean {
    let set = this.sets.get(collection)
    if (set == null) { set = new Set(); this.sets.set(collection, set) }
    for (const f of shingles(words(text).map(w => w.word), this.shingleWords)) {
      if (set.has(f)) continue
      if (this.total >= this.max) return false
      set.add(f)
      this.total++
    }
    return true
  }

  /**
   * Fingerprints `texts` (read one by one, as they come) into a new set and
   * only then puts it in place of the collection's, so a check meanwhile
   * still sees the old one; false when the bound stopped it short.
   */
  async replace (collection: string, texts: AsyncIterable<string>): Promise<boolean> {
    const set = new Set<number>()
    const room = this.max - (this.total - (this.sets.get(collection)?.size ?? 0))
    let complete = true
    for await (const text of texts) {
      for (const f of shingles(words(text).map(w => w.word), this.shingleWords)) {
        if (set.has(f)) continue
        if (set.size >= room) { complete = false; break }
        set.add(f)
      }
      if (!complete) break
    }
    this.delete(collection)
    this.sets.set(collection, set)
    this.total += set.size
    return complete
  }

  delete (collection: string): void {
    const set = this.sets.get(collection)
    if (set == null) return
    this.total -= set.size
    this.sets.delete(collection)
  }

  /** The collections whose passages `ws` (normalised words) reproduce, with how many shingles each. */
  matchWords (ws: readonly string[]): Match[] {
    if (this.total === 0) return []
    const hits = new Map<string, number>()
    for (const f of shingles(ws, this.shingleWords)) {
      for (const [name, set] of this.sets) if (set.has(f)) hits.set(name, (hits.get(name) ?? 0) + 1)
    }
    return [...hits].map(([collection, n]) => ({ collection, shingles: n }))
  }

  match (text: string): Match[] {
    return this.matchWords(words(text).map(w => w.word))
  }
}
