/**
 * Turning generated tokens into streamed text.
 *
 * `TokenTextDecoder` makes text out of tokens one at a time. A byte-level
 * tokenizer can emit half of a multi-byte UTF-8 character; such a tail
 * detokenizes to U+FFFD, so it is held back (up to `holdTokens` tokens) until
 * the character completes. The decision depends only on the token sequence,
 * so the same tokens always give the same text, streamed or not.
 *
 * `ChunkCoalescer` groups text into chunks for the network: the first chunk
 * leaves at once (time to first token), later ones every `intervalMs` or every
 * `maxTokens` tokens, whichever comes first.
 */
import type { Token } from 'node-llama-cpp'
import { STREAM_FLUSH_INTERVAL_MS, STREAM_FLUSH_TOKENS, UTF8_HOLD_TOKENS } from './constants.ts'

export type Detokenize = (tokens: readonly Token[], lastTokens: readonly Token[]) => string

const REPLACEMENT = '\uFFFD'
/** Tokens of left context given to the detokenizer, so pieces join as the whole would (leading spaces). */
const CONTEXT_TOKENS = 4

export class TokenTextDecoder {
  private readonly detokenize: Detokenize
  private readonly holdTokens: number
  private pending: Token[] = []
  private previous: Token[] = []

  constructor (detokenize: Detokenize, holdTokens = UTF8_HOLD_TOKENS) {
    this.detokenize = detokenize
    this.holdTokens = holdTokens
  }

  /** Adds a token; returns the text it completes ('' while a character is incomplete). */
  push (token: Token): string {
    this.pending.push(token)
    const text = this.detokenize(this.pending, this.previous)
    if (text.endsWith(REPLACEMENT) && this.pending.length < this.holdTokens) return ''
    return this.emit(text)
  }

  /** Whatever is held back, as it stands. */
  end (): string {
    if (this.pending.length === 0) return ''
    return this.emit(this.detokenize(this.pending, this.previous))
  }

  private emit (text: string): string {
    this.previous = [...this.previous, ...this.pending].slice(-CONTEXT_TOKENS)
    this.pending = []
    return text
  }
}

export interface ChunkCoalescerInit {
  /** @default STREAM_FLUSH_INTERVAL_MS */
  intervalMs?: number
  /** @default STREAM_FLUSH_TOKENS */
  maxTokens?: number
}

export class ChunkCoalescer {
  private readonly onText: (text: string) => void
  private readonly intervalMs: number
  private readonly maxTokens: number
  private buffer = ''
  private tokens = 0
  private first = true
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor (onText: (text: string) => void, init: ChunkCoalescerInit = {}) {
    this.onText = onText
    this.intervalMs = init.intervalMs ?? STREAM_FLUSH_INTERVAL_MS
    this.maxTokens = init.maxTokens ?? STREAM_FLUSH_TOKENS
  }

  /** Adds the text of one token ('' for a token still held by the decoder). */
  push (text: string): void {
    this.buffer += text
    this.tokens++
    if (this.buffer === '') return
    if (this.first || this.tokens >= this.maxTokens) { this.flush(); return }
    this.timer ??= setTimeout(() => { this.flush() }, this.intervalMs)
  }

  /** Drops what is buffered (the task failed or was canceled). */
  discard (): void {
    if (this.timer != null) { clearTimeout(this.timer); this.timer = undefined }
    this.buffer = ''
  }

  /** Sends what is buffered now. */
  flush (): void {
    if (this.timer != null) { clearTimeout(this.timer); this.timer = undefined }
    if (this.buffer === '') return
    const text = this.buffer
    this.buffer = ''
    this.tokens = 0
    this.first = false
    this.onText(text)
  }
}
