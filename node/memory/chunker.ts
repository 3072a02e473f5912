/**
 * Incremental chunking: text arrives in pieces (a file read in slices) and
 * leaves as chunks of about `targetChars`, cut at a paragraph break where one
 * is near, else at a sentence end, else at a space, with `overlapChars`
 * repeated at the start of the next chunk so a sentence that straddles a
 * cut is still found whole. Offsets count UTF-16 code units of the extracted
 * text, from its start, so a chunk can be traced back to its place.
 *
 * @example
 * const c = new Chunker()
 * const chunks = [...c.push(text), ...c.end()]
 */
import { CHUNK_MAX_CHARS, CHUNK_MIN_CHARS, CHUNK_OVERLAP_CHARS, CHUNK_TARGET_CHARS } from './constants.ts'

export interface TextChunk {
  text: string
  /** Offset of the first character in the extracted text. */
  start: number
  /** Offset after the last character. */
  end: number
}

export interface ChunkerInit {
  /** @default CHUNK_TARGET_CHARS */
  targetChars?: number
  /** @default CHUNK_MIN_CHARS, scaled to `targetChars` */
  minChars?: number
  /** @default CHUNK_MAX_CHARS, scaled to `targetChars` */
  maxChars?: number
  /** @default CHUNK_OVERLAP_CHARS */
  overlapChars?: number
}

const SENTENCE_END = /[.!?。！？]["'”’)\]]*\s|\n/g

export class Chunker {
  private buf = ''
  private bufStart = 0
  private readonly target: number
  private readonly min: number
  private readonly max: number
  private readonly overlap: number

  constructor (init: ChunkerInit = {}) {
    this.target = Math.max(2, init.targetChars ?? CHUNK_TARGET_CHARS)
    // unset bounds scale with the target, in the default proportions
    this.max = Math.max(this.target, init.maxChars ?? Math.round(this.target * CHUNK_MAX_CHARS / CHUNK_TARGET_CHARS))
    this.min = Math.max(1, Math.min(this.target, init.minChars ?? Math.round(this.target * CHUNK_MIN_CHARS / CHUNK_TARGET_CHARS)))
    this.overlap = Math.min(init.overlapChars ?? CHUNK_OVERLAP_CHARS, Math.floor(this.min / 2))
  }

  push (text: string): TextChunk[] {
    this.buf += text
    const out: TextChunk[] = []
    while (this.buf.length > this.max) this.cut(this.splitPoint(), out)
    return out
  }

  end (): TextChunk[] {
    const out: TextChunk[] = []
    while (this.buf.length > this.max) this.cut(this.splitPoint(), out)
    this.emit(this.buf, this.bufStart, out)
    this.bufStart += this.buf.length
    this.buf = ''
    return out
  }

  private splitPoint (): number {
    const b = this.buf
    const para = b.lastIndexOf('\n\n', this.target)
    if (para >= this.min) return para + 2
    let best = -1
    let firstAfter = -1
    SENTENCE_END.lastIndex = this.min
    for (let m = SENTENCE_END.exec(b); m != null; m = SENTENCE_END.exec(b)) {
      const end = m.index + m[0].length
      if (end > this.max) break
      if (end <= this.target) best = end
      else { firstAfter = end; break }
    }
    if (best >= 0) return best
    if (firstAfter >= 0) return firstAfter
    const space = b.lastIndexOf(' ', this.target)
    if (space >= this.min) return space + 1
    let cut = this.max
    const code = b.charCodeAt(cut - 1)
    if (code >= 0xd800 && code <= 0xdbff) cut-- // never split a surrogate pair
    return cut
  }

  private cut (at: number, out: TextChunk[]): void {
    const raw = this.buf.slice(0, at)
    this.emit(raw, this.bufStart, out)
    // the next chunk starts after this one's first character, so no chunk is swallowed by the next
    let next = Math.max(1, raw.length - raw.trimStart().length + 1, at - this.overlap)
    const ws = this.buf.slice(next, at).search(/\s/)
    next = ws >= 0 ? next + ws + 1 : at
    this.buf = this.buf.slice(next)
    this.bufStart += next
  }

  private emit (raw: string, start: number, out: TextChunk[]): void {
    const lead = raw.length - raw.trimStart().length
    const text = raw.trim()
    if (text === '') return
    out.push({ text, start: start + lead, end: start + lead + text.length })
  }
}

/** Chunks a whole text at once. */
export function chunkText (text: string, init: ChunkerInit = {}): TextChunk[] {
  const c = new Chunker(init)
  return [...c.push(text), ...c.end()]
}
