/**
 * The output check: before a result leaves the node, text that reproduces
 * a verbatim passage (one shingle of `SHINGLE_WORDS` words or more) of a
 * collection its recipient may not read is refused. `local-only`
 * collections may reach no other node; `confidential` ones only a peer the
 * read permission lets read them (as `memory.search` would). Each refusal
 * is audited with digests and counts, never the text.
 *
 * Streamed text is checked as it goes: the last `SHINGLE_WORDS - 1` words
 * are held back until the next piece (or the end) shows they do not start a
 * passage, so at most that many words of one leave before the refusal.
 */
import type { DataClass } from '../../protocol/task/messages.ts'
import { digest } from '../audit/entry.ts'
import type { Logger } from '../logger.ts'
import { OUTPUT_CHECK_MAX_CHARS, READ_PERMISSION_KIND } from './constants.ts'
import { OutputRefusedError } from './errors.ts'
import type { FingerprintIndex } from './fingerprints.ts'
import { words } from './shingles.ts'

export interface OutputCheckComponents {
  index: FingerprintIndex
  classOf: (collection: string) => DataClass
  /** Whether a peer may read a collection's text (the node's read permission). */
  mayRead: (peerId: string, kind: string, collection: string, dataClass: DataClass) => boolean
  audit: { append: (e: { type: string, actor: string, peer?: string, task?: string, data?: Record<string, string | number | boolean | null | Uint8Array> }) => Promise<unknown> }
  self: () => string
  logger: Logger
}

/** What a refused text reproduced: the first collection it may not carry, and how much. */
export interface Violation { collection: string, dataClass: DataClass, shingles: number }

/** Where a text is headed, for the audit entry. */
export interface CheckContext { task?: string, kind?: string, door?: string }

export class OutputCheck {
  private readonly c: OutputCheckComponents

  constructor (components: OutputCheckComponents) {
    this.c = components
  }

  /** Whether any passage is indexed: without one, nothing needs checking (and nothing is held back). */
  get active (): boolean { return this.c.index.size > 0 }

  /** The violation `text` commits toward `recipient`, if any. */
  violation (recipient: string, text: string): Violation | undefined {
    return this.violationInWords(recipient, words(text.slice(0, OUTPUT_CHECK_MAX_CHARS)).map(w => w.word))
  }

  violationInWords (recipient: string, ws: readonly string[]): Violation | undefined {
    if (recipient === this.c.self()) return undefined
    for (const m of this.c.index.matchWords(ws)) {
      const dataClass = this.c.classOf(m.collection)
      if (dataClass === 'local-only' || (dataClass === 'confidential' && !this.c.mayRead(recipient, READ_PERMISSION_KIND, m.collection, dataClass))) {
        return { collection: m.collection, dataClass, shingles: m.shingles }
      }
    }
    return undefined
  }

  /** The error to throw for a violation, and the audit entry that records it (digests and counts only). */
  refusal (recipient: string, text: string, v: Violation, ctx: CheckContext = {}): { error: OutputRefusedError, audited: Promise<void> } {
    const audited = this.c.audit.append({
      type: 'guard.output-refused',
      actor: this.c.self(),
      peer: recipient,
      ...(ctx.task != null ? { task: ctx.task } : {}),
      data: {
        output: digest(new TextEncoder().encode(text)),
        collection: digest(new TextEncoder().encode(v.collection)),
        dataClass: v.dataClass,
        shingles: v.shingles,
        ...(ctx.kind != null ? { kind: ctx.kind } : {}),
        ...(ctx.door != null ? { door: ctx.door } : {})
      }
    }).then(() => {}, err => { this.c.logger.error('audit of an output refusal failed: %s', (err as Error).message) })
    return { error: new OutputRefusedError(), audited }
  }

  /** Throws `OutputRefusedError` (audited first) when `text` may not reach `recipient`. */
  async assertAllowed (recipient: string, text: string, ctx: CheckContext = {}): Promise<void> {
    if (!this.active) return
    const v = this.violation(recipient, text)
    if (v == null) return
    const r = this.refusal(recipient, text, v, ctx)
    await r.audited
    throw r.error
  }

  /** A check over streamed pieces toward one recipient. */
  stream (recipient: string): StreamCheck {
    return new StreamCheck(this, recipient, this.c.index.shingleWords)
  }
}

/**
 * Streamed text, checked as it comes. `push` returns what may go out now
 * (or a violation); `end` releases the rest once it passed.
 */
export class StreamCheck {
  private readonly check: OutputCheck
  private readonly recipient: string
  private readonly holdWords: number
  /** The last words already released, so a passage across pieces is seen. */
  private tail: string[] = []
  private pending = ''
  /** Everything seen, for the audit digest of a refusal (bounded). */
  private seen = ''

  constructor (check: OutputCheck, recipient: string, shingleWords: number) {
    this.check = check
    this.recipient = recipient
    this.holdWords = Math.max(1, shingleWords - 1)
  }

  /** The text seen so far (bounded), for the audit digest. */
  get text (): string { return this.seen }

  push (piece: string): { release: string } | { violation: Violation } {
    if (this.seen.length < OUTPUT_CHECK_MAX_CHARS) this.seen += piece
    this.pending += piece
    const ws = words(this.pending)
    // a word the piece may not have finished is checked once it is
    const complete = ws.length > 0 && (ws[ws.length - 1] as { end: number }).end === this.pending.length ? ws.slice(0, -1) : ws
    const v = this.check.violationInWords(this.recipient, [...this.tail, ...complete.map(w => w.word)])
    if (v != null) return { violation: v }
    if (ws.length <= this.holdWords) return { release: '' }
    const keepFrom = (ws[ws.length - this.holdWords] as { start: number }).start
    const release = this.pending.slice(0, keepFrom)
    this.tail = [...this.tail, ...ws.slice(0, ws.length - this.holdWords).map(w => w.word)].slice(-this.holdWords)
    this.pending = this.pending.slice(keepFrom)
    return { release }
  }

  end (): { release: string } | { violation: Violation } {
    const v = this.check.violationInWords(this.recipient, [...this.tail, ...words(this.pending).map(w => w.word)])
    if (v != null) return { violation: v }
    const release = this.pending
    this.pending = ''
    return { release }
  }
}

/**
 * The text a result carries, for the check: its strings (object values and
 * array items, depth-first), one per line, up to the check's bound.
 */
export function textOf (value: unknown): string {
  const parts: string[] = []
  let chars = 0
  const walk = (v: unknown, depth: number): void => {
    if (chars >= OUTPUT_CHECK_MAX_CHARS || depth > 32) return
    if (typeof v === 'string') { parts.push(v); chars += v.length + 1 } else if (v instanceof Uint8Array) {
      const s = new TextDecoder().decode(v.subarray(0, OUTPUT_CHECK_MAX_CHARS))
      parts.push(s); chars += s.length + 1
    } else if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1) } else if (v != null && typeof v === 'object') { for (const x of Object.values(v)) walk(x, depth + 1) }
  }
  walk(value, 0)
  return parts.join('\n')
}
