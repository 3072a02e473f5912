/**
 * Conversation memory after MemGPT (Packer et al., "MemGPT: Towards LLMs as
 * Operating Systems", 2023): the context window is the fast tier, this store
 * the slow one. Every turn of every session is kept. When the turns since the
 * last summary outgrow their share of the window, the older ones are evicted
 * into a running summary (written by the injected `summarize`, stored, and
 * searchable), keeping about half the share so eviction does not run on every
 * turn. Turns relevant to the current query are recalled from the agent's
 * whole history by BM25.
 *
 * @example
 * const conv = new ConversationMemory({ db })
 * await conv.start()
 * await conv.append('agent-1', 'chat-7', { role: 'user', content: 'Hi' })
 * const { messages } = await conv.buildContext({ agent: 'agent-1', session: 'chat-7', query: 'Hi', budgetTokens: 2048, countTokens, summarize })
 */
import { createLogger, type Logger } from '../logger.ts'
import { object, oneOf, str, uint } from '../../protocol/shape.ts'
import { RECALL_TURNS, RECENT_SHARE, SUMMARY_SHARE } from './constants.ts'
import { valueCodec, type ValueCodec } from './crypto.ts'
import { checkFormat } from './format.ts'
import { num, range } from './keys.ts'
import { decodeRecord, encodeRecord } from './records.ts'
import { rankTexts } from './bm25.ts'
import type { MemoryDb, MemoryKv } from './record-store.ts'

export type Role = 'system' | 'user' | 'assistant' | 'tool'
export interface ChatMessage { role: Role, content: string }
export interface Turn extends ChatMessage { session: string, seq: number, at: number }
export interface Summary { session: string, text: string, /** Turns with seq below this are covered. */ upTo: number, at: number }

export type CountTokens = (text: string) => number
export interface SummarizeInput { previousSummary?: string, turns: Turn[], maxTokens: number }
export type SummarizeFn = (input: SummarizeInput, opts?: { signal?: AbortSignal }) => Promise<string>

export interface BuildContextOptions {
  agent: string
  session: string
  /** What the next reply is about; earlier turns relevant to it are recalled. @default the last user turn */
  query?: string
  budgetTokens: number
  countTokens: CountTokens
  summarize: SummarizeFn
  signal?: AbortSignal
  /** Which other sessions' turns may be recalled (e.g. none of a stricter data class). @default every session of the agent */
  recallFrom?: (session: string) => boolean
}

export interface BuiltContext {
  messages: ChatMessage[]
  tokens: number
  /** The summary used, if any. */
  summary?: Summary
  /** Earlier turns recalled into the prompt. */
  recalled: Turn[]
  /** Whether this call wrote a new summary. */
  summarized: boolean
}

export interface ConversationHit { kind: 'turn' | 'summary', session: string, seq: number, text: string, score: number }

export interface ConversationComponents { db: MemoryDb, logger?: Logger }
export interface ConversationMemoryInit {
  /** Same key as the document store's. @default unencrypted */
  encryptionKey?: Uint8Array
  /** @default 'conversations' */
  sublevel?: string
}

const TurnRecord = object({ role: oneOf(['system', 'user', 'assistant', 'tool'] as const), content: str({ max: 16 * 1024 * 1024 }), at: uint() })
const SummaryRecord = object({ text: str({ max: 16 * 1024 * 1024 }), upTo: uint(), at: uint() })
const SessionRecord = object({ session: str({ max: 256 }), turns: uint(), createdAt: uint() })

const ID = /^[^\u0000-\u001f]{1,256}$/

export class ConversationMemory {
  private readonly kv: MemoryKv
  private readonly codec: ValueCodec
  private readonly log: Logger
  private lock: Promise<unknown> = Promise.resolve()
  private started = false

  constructor (components: ConversationComponents, init: ConversationMemoryInit = {}) {
    this.kv = components.db.sublevel<string, Uint8Array>(init.sublevel ?? 'conversations', { keyEncoding: 'utf8', valueEncoding: 'view' })
    this.codec = valueCodec(init.encryptionKey)
    this.log = components.logger ?? createLogger('mycel:node:memory:conversation')
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.kv.open()
    await checkFormat(this.kv, this.codec)
    this.started = true
  }

  async stop (): Promise<void> {
    await this.lock.catch(() => {})
    this.started = false
  }

  async [Symbol.asyncDispose] (): Promise<void> { await this.stop() }

  /** Appends a turn to a session (created on first use) and returns it with its sequence number. */
  async append (agent: string, session: string, message: ChatMessage): Promise<Turn> {
    return await this.exclusive(async () => {
      const sk = this.sessionKey(agent, session)
      const rec = await this.read(sk, SessionRecord) ?? { session, turns: 0, createdAt: Date.now() }
      const turn: Turn = { role: message.role, content: message.content, session, seq: rec.turns, at: Date.now() }
      const tk = this.turnKey(agent, session, turn.seq)
      await this.kv.batch([
        { type: 'put', key: tk, value: this.seal(tk, { role: turn.role, content: turn.content, at: turn.at }) },
        { type: 'put', key: sk, value: this.seal(sk, { ...rec, turns: rec.turns + 1 }) }
      ])
      return turn
    })
  }

  async sessions (agent: string): Promise<string[]> {
    this.assertStarted()
    const out: string[] = []
    const prefix = `sess/${this.codec.token('agent', check(agent))}/`
    for await (const [key, value] of this.kv.iterator(range(prefix))) out.push(this.decode(key, value, SessionRecord).session)
    return out
  }

  /** Removes a session with its turns and summaries, in one batch; false when there was none. */
  async remove (agent: string, session: string): Promise<boolean> {
    return await this.exclusive(async () => {
      const sk = this.sessionKey(agent, session)
      if (await this.kv.get(sk) == null) return false
      const ops: Array<{ type: 'del', key: string }> = [{ type: 'del', key: sk }]
      for (const prefix of [this.turnPrefix(agent, session), this.summaryPrefix(agent, session)]) {
        for await (const key of this.kv.keys(range(prefix))) ops.push({ type: 'del', key })
      }
      await this.kv.batch(ops)
      return true
    })
  }

  /** Turns of a session with `from <= seq < to`. */
  async turns (agent: string, session: string, opts: { from?: number, to?: number } = {}): Promise<Turn[]> {
    this.assertStarted()
    const out: Turn[] = []
    const prefix = this.turnPrefix(agent, session)
    const bounds = { gte: prefix + num(opts.from ?? 0), lt: opts.to != null ? prefix + num(opts.to) : prefix + '\uffff' }
    for await (const [key, value] of this.kv.iterator(bounds)) {
      const t = this.decode(key, value, TurnRecord)
      out.push({ ...t, session, seq: Number(key.slice(prefix.length)) })
    }
    return out
  }

  /**
   * Deletes every stored summary, of any agent and session, whose text
   * `matches` says holds erased material (`mycel memory forget`); the turns
   * stay, so the next context build summarises them again without it.
   */
  async forgetSummaries (matches: (lowerText: string) => boolean): Promise<number> {
    return await this.exclusive(async () => {
      const doomed: string[] = []
      for await (const [key, value] of this.kv.iterator(range('sum/'))) {
        if (matches(this.decode(key, value, SummaryRecord).text.toLowerCase())) doomed.push(key)
      }
      await this.kv.batch(doomed.map(key => ({ type: 'del' as const, key })))
      return doomed.length
    })
  }

  /** The latest running summary of a session. */
  async summary (agent: string, session: string): Promise<Summary | undefined> {
    this.assertStarted()
    const prefix = this.summaryPrefix(agent, session)
    for await (const [key, value] of this.kv.iterator({ ...range(prefix), reverse: true, limit: 1 })) {
      return { ...this.decode(key, value, SummaryRecord), session }
    }
    return undefined
  }

  /** Searches an agent's turns and summaries, across its sessions unless one is named. */
  async search (agent: string, query: string, opts: { session?: string, k?: number } = {}): Promise<ConversationHit[]> {
    const sessions = opts.session != null ? [opts.session] : await this.sessions(agent)
    const items: Array<Omit<ConversationHit, 'score'>> = []
    for (const s of sessions) {
      for (const t of await this.turns(agent, s)) items.push({ kind: 'turn', session: s, seq: t.seq, text: t.content })
      for (const sum of await this.summaries(agent, s)) items.push({ kind: 'summary', session: s, seq: sum.upTo, text: sum.text })
    }
    return rankTexts(items.map(i => i.text), query).slice(0, opts.k ?? 5).map(r => ({ ...(items[r.index] as Omit<ConversationHit, 'score'>), score: r.score }))
  }

  /**
   * The messages for the next model call within `budgetTokens`: the running
   * summary (refreshed when the recent turns outgrow their share), relevant
   * earlier turns, then the most recent turns verbatim.
   */
  async buildContext (opts: BuildContextOptions): Promise<BuiltContext> {
    const { agent, session, countTokens, budgetTokens } = opts
    const recentBudget = Math.floor(budgetTokens * RECENT_SHARE)
    const summaryBudget = Math.floor(budgetTokens * SUMMARY_SHARE)
    let summary = await this.summary(agent, session)
    const live = await this.turns(agent, session, { from: summary?.upTo ?? 0 })
    const cost = live.map(t => countTokens(t.content))
    let summarized = false
    let windowStart = 0 // index into `live`
    if (sum(cost) > recentBudget) {
      // evict down to half the share, MemGPT-style, so the next turns fit without another summary
      windowStart = suffixFitting(cost, Math.floor(recentBudget / 2))
      const evicted = live.slice(0, windowStart)
      if (evicted.length > 0) {
        const text = await opts.summarize({ ...(summary != null ? { previousSummary: summary.text } : {}), turns: evicted, maxTokens: summaryBudget }, opts.signal != null ? { signal: opts.signal } : {})
        const upTo = (evicted.at(-1) as Turn).seq + 1
        summary = { session, text, upTo, at: Date.now() }
        const key = this.summaryPrefix(agent, session) + num(upTo)
        await this.kv.put(key, this.seal(key, { text, upTo, at: summary.at }))
        summarized = true
      }
    }
    const recent = live.slice(windowStart)
    let recentTokens = sum(cost.slice(windowStart))
    const messages: ChatMessage[] = recent.map(t => ({ role: t.role, content: t.content }))
    // a single turn larger than the whole share is cut from its start (its end is what the model answers)
    if (recentTokens > recentBudget && messages.length === 1) {
      const m = messages[0] as ChatMessage
      m.content = fitText(m.content, recentBudget, countTokens, 'end')
      recentTokens = countTokens(m.content)
    }
    const head: ChatMessage[] = []
    let used = recentTokens
    if (summary != null) {
      const content = fitText(`Summary of the earlier conversation:\n${summary.text}`, Math.min(summaryBudget, budgetTokens - used), countTokens, 'start')
      if (content !== '') { head.push({ role: 'system', content }); used += countTokens(content) }
    }
    const recalled: Turn[] = []
    let recall: ChatMessage | undefined
    const query = opts.query ?? [...recent].reverse().find(t => t.role === 'user')?.content ?? ''
    if (query !== '' && used < budgetTokens) {
      const inWindow = new Set(recent.map(t => t.seq))
      const candidates: Turn[] = []
      for (const s of await this.sessions(agent)) {
        if (s !== session && opts.recallFrom != null && !opts.recallFrom(s)) continue
        for (const t of await this.turns(agent, s)) if (s !== session || !inWindow.has(t.seq)) candidates.push(t)
      }
      const ranked = rankTexts(candidates.map(t => t.content), query).slice(0, RECALL_TURNS)
      const lines: string[] = []
      let block = countTokens('Relevant earlier conversation:\n')
      for (const r of ranked) {
        const t = candidates[r.index] as Turn
        const line = `- (${t.session === session ? 'this session' : `session ${t.session}`}, ${t.role}) ${t.content}`
        // a line adds its own tokens to the block, not a message's framing again
        const c = countTokens(line + '\n') - countTokens('')
        if (used + block + c > budgetTokens) continue
        lines.push(line)
        recalled.push(t)
        block += c
      }
      if (lines.length > 0) {
        const content = `Relevant earlier conversation:\n${lines.join('\n')}`
        recall = { role: 'system', content }
        used += countTokens(content)
      }
    }
    // the recall block changes every turn: last (the caller's new message follows it), so the summary
    // and the history stay one stable prefix the runtime's resident sequence already evaluated
    const ordered = recall == null ? [...head, ...messages] : [...head, ...messages, recall]
    return { messages: ordered, tokens: used, ...(summary != null ? { summary } : {}), recalled, summarized }
  }

  private async summaries (agent: string, session: string): Promise<Summary[]> {
    const out: Summary[] = []
    for await (const [key, value] of this.kv.iterator(range(this.summaryPrefix(agent, session)))) out.push({ ...this.decode(key, value, SummaryRecord), session })
    return out
  }

  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    this.assertStarted()
    const run = this.lock.catch(() => {}).then(fn)
    this.lock = run.catch(() => {})
    return await run
  }

  private assertStarted (): void {
    if (!this.started) throw new Error('ConversationMemory is not started')
  }

  private sessionKey (agent: string, session: string): string {
    return `sess/${this.codec.token('agent', check(agent))}/${this.codec.token('session', check(session))}`
  }

  private turnPrefix (agent: string, session: string): string {
    return `turn/${this.codec.token('agent', check(agent))}/${this.codec.token('session', check(session))}/`
  }

  private summaryPrefix (agent: string, session: string): string {
    return `sum/${this.codec.token('agent', check(agent))}/${this.codec.token('session', check(session))}/`
  }

  private turnKey (agent: string, session: string, seq: number): string {
    return this.turnPrefix(agent, session) + num(seq)
  }

  private seal (key: string, value: unknown): Uint8Array {
    return this.codec.seal(key, encodeRecord(value))
  }

  private decode<T> (key: string, value: Uint8Array, shape: (v: unknown, p: string) => T): T {
    return decodeRecord(shape, this.codec.open(key, value), 'conversation record')
  }

  private async read<T> (key: string, shape: (v: unknown, p: string) => T): Promise<T | undefined> {
    const v = await this.kv.get(key)
    return v == null ? undefined : this.decode(key, v, shape)
  }
}

function check (id: string): string {
  if (!ID.test(id)) throw new RangeError('Agent and session ids are 1-256 printable characters')
  return id
}

function sum (xs: number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s
}

/** Index of the first element of the longest suffix whose sum fits `budget`; keeps at least the last element. */
function suffixFitting (cost: number[], budget: number): number {
  let total = 0
  let i = cost.length
  while (i > 0 && total + (cost[i - 1] as number) <= budget) total += cost[--i] as number
  return Math.min(i, Math.max(0, cost.length - 1))
}

/** Cuts `text` to fit `budget` tokens, keeping its start or its end. */
function fitText (text: string, budget: number, count: CountTokens, keep: 'start' | 'end'): string {
  if (budget <= 0) return ''
  if (count(text) <= budget) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    const part = keep === 'start' ? text.slice(0, mid) : text.slice(text.length - mid)
    if (count(part) <= budget) lo = mid
    else hi = mid - 1
  }
  return keep === 'start' ? text.slice(0, lo) : text.slice(text.length - lo)
}
