/**
 * Stop sequences over generated text: text that could still be the start
 * of a stop sequence is held back until it is known not to be, so nothing
 * past a stop sequence is ever streamed, and `generate` ends the generation
 * at the first one (the task frees its slot instead of running to
 * `maxTokens`). Matching is on text, not tokens, because a stop sequence
 * may span tokens and a token may carry text past it.
 *
 * @example
 * const s = new StopScanner(['\n\n'])
 * s.push('Hi\n')   // { text: 'Hi' }           ('\n' is held back)
 * s.push('\nmore') // { text: '', stop: '\n\n' }
 */
export class StopScanner {
  private readonly stops: string[]
  private held = ''
  private stopped: string | undefined

  constructor (stops: string[]) {
    this.stops = stops.filter(s => s !== '')
  }

  /** The stop sequence found, if any. */
  get stop (): string | undefined { return this.stopped }

  /** The text safe to send now, and the stop sequence when this piece reached one. */
  push (piece: string): { text: string, stop?: string } {
    if (this.stopped != null) return { text: '' }
    const buf = this.held + piece
    let at = -1
    let found: string | undefined
    for (const s of this.stops) {
      const i = buf.indexOf(s)
      if (i >= 0 && (at < 0 || i < at)) { at = i; found = s }
    }
    if (found != null) {
      this.stopped = found
      this.held = ''
      return { text: buf.slice(0, at), stop: found }
    }
    const keep = this.partial(buf)
    this.held = buf.slice(buf.length - keep)
    return { text: buf.slice(0, buf.length - keep) }
  }

  /** What was held back, once the text has ended without reaching a stop sequence. */
  flush (): string {
    const rest = this.stopped != null ? '' : this.held
    this.held = ''
    return rest
  }

  /** Length of the longest end of `buf` that begins some stop sequence. */
  private partial (buf: string): number {
    let best = 0
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, buf.length); n > best; n--) {
        if (buf.endsWith(s.slice(0, n))) { best = n; break }
      }
    }
    return best
  }
}
