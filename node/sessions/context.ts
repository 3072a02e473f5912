/**
 * How a turn's prompt is sized. Tokens are counted as UTF-8 bytes plus a
 * little framing per message: no tokenizer gives more tokens than bytes
 * (byte-level BPE and SentencePiece byte fallback both cover a byte with at
 * most one token), so the count is an upper bound for any model and needs no
 * model loaded. The price is summarising earlier than a model's exact count
 * would; see docs/decisions.md.
 */
import type { SummarizeInput } from '../memory/conversation.ts'
import { MESSAGE_OVERHEAD_TOKENS, SUMMARY_INSTRUCTION, TEMPLATE_RESERVE_TOKENS } from './constants.ts'

export function countTokens (text: string): number {
  return Buffer.byteLength(text, 'utf8') + MESSAGE_OVERHEAD_TOKENS
}

/** Tokens left for history once the reply and the new messages are reserved. */
export function historyBudget (contextTokens: number, replyTokens: number, newMessages: Array<{ content: string }>): number {
  let used = replyTokens + TEMPLATE_RESERVE_TOKENS
  for (const m of newMessages) used += countTokens(m.content)
  return contextTokens - used
}

/**
 * The messages that ask a model for a running summary, cut to `roomTokens`:
 * the earlier summary first, then the evicted turns, keeping the latest
 * text when it is too long (the earlier summary already covers the start).
 */
export function summaryPrompt (input: SummarizeInput, roomTokens: number): Array<{ role: 'system' | 'user', content: string }> {
  const parts: string[] = []
  if (input.previousSummary != null) parts.push(`Summary so far: ${input.previousSummary}`)
  for (const t of input.turns) parts.push(`${t.role}: ${t.content}`)
  let text = parts.join('\n')
  const room = Math.max(0, roomTokens - countTokens(SUMMARY_INSTRUCTION) - MESSAGE_OVERHEAD_TOKENS)
  const bytes = Buffer.from(text, 'utf8')
  // cut on a byte count, then drop a split character at the cut
  if (bytes.length > room) text = bytes.subarray(bytes.length - room).toString('utf8').replace(/^\uFFFD+/, '')
  return [{ role: 'system', content: SUMMARY_INSTRUCTION }, { role: 'user', content: text }]
}
