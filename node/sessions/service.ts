/**
 * The session service: chat with memory, wherever chat happens. A turn
 * names a session and sends only its new messages; the service prepends
 * what the conversation memory builds for it (the running summary, earlier
 * turns recalled by search, the recent turns verbatim, within the model's
 * window), runs one `llm.chat` through the router with the session's data
 * class (`local-only` unless its owner says otherwise), and keeps the new
 * messages and the reply only once the reply is whole: a failed or
 * cancelled turn leaves the session as it was.
 *
 * @example
 * const sessions = sessionService()({ self, db, logger, run: (s) => router.run(s), contextSizeOf, defaultModel })
 * await sessions.start()
 * const r = await sessions.turn({ session: 'notes', messages: [{ role: 'user', content: 'My name is Ada' }] })
 */
import type { DataClass } from '../../protocol/task/messages.ts'
import type { ChatMessage, SummarizeInput } from '../memory/conversation.ts'
import type { MemoryDb } from '../memory/record-store.ts'
import { stricter } from '../memory/classes.ts'
import type { RouteEvent, RunResult, RunSpec } from '../tasks/index.ts'
import type { TaskPriority } from '../tasks/registry.ts'
import type { Logger } from '../logger.ts'
import { DEFAULT_AGENT, DEFAULT_CONTEXT_TOKENS, DEFAULT_REPLY_TOKENS, DEFAULT_SESSION_CLASS, MAX_SEARCH_HITS, MAX_SESSIONS, MAX_TURN_MESSAGES, MIN_HISTORY_TOKENS, SUMMARY_MAX_TOKENS, TEMPLATE_RESERVE_TOKENS, TITLE_CHARS } from './constants.ts'
import { countTokens, historyBudget, summaryPrompt } from './context.ts'
import { InvalidTurnError, NoSessionModelError, SessionLimitError, UnknownAgentError, UnknownSessionError } from './errors.ts'
import { newSessionName, qualifiedSessionId, sessionName } from './ids.ts'
import { SessionStore, type SessionRecord } from './store.ts'
import { sessionDetail, sessionSummary, type SessionDetail, type SessionSummary } from './views.ts'

export interface SessionComponents {
  /** This node's peer id: sessions are named under it. */
  self: string
  db: MemoryDb
  logger: Logger
  /** Runs a task through the router (policy, audit, failover). */
  run: (spec: RunSpec) => Promise<RunResult>
  /** A model's context window in tokens, when this node knows it. */
  contextSizeOf: (model: string) => Promise<number | undefined>
  /** The model a session without one uses. */
  defaultModel: () => Promise<string | undefined>
  /** An agent profile of this node: a session under it takes the profile's model and system text. @default none */
  agentProfile?: (name: string) => { model: string, system?: string } | undefined
}

export interface SessionInit {
  /** @default DEFAULT_SESSION_CLASS */
  defaultClass?: DataClass
}

/** Sampling fields passed on to `llm.chat` as they are (bounded there). */
export interface TurnSampling {
  maxTokens?: number, temperature?: number, seed?: number, topK?: number, topP?: number, stop?: string[]
  presencePenalty?: number, frequencyPenalty?: number, logitBias?: Record<string, number>
}

export interface TurnRequest {
  /** `NAME` or `PEER_ID/NAME`; a fresh one when absent. */
  session?: string
  /** Only the new messages; system messages steer this turn and are not kept. */
  messages: ChatMessage[]
  model?: string
  /** Changes the session's class from now on. @default the session's, else `local-only` */
  dataClass?: DataClass
  /** The agent profile whose memory the session belongs to (set when the session is created). @default DEFAULT_AGENT */
  agent?: string
  /** What earlier turns to recall are about. @default the last new user message */
  query?: string
  sampling?: TurnSampling
  peer?: string
  local?: boolean
  priority?: TaskPriority
  signal?: AbortSignal
  onEvent?: (e: RouteEvent) => void
}

export interface TurnResult extends RunResult {
  /** The qualified id (`PEER_ID/NAME`) to continue the session with. */
  session: string
  /** Messages the model was given: memory first, then the new ones. */
  contextMessages: number
  summarized: boolean
  recalled: number
}

export class SessionService {
  private readonly c: SessionComponents
  private readonly init: SessionInit
  private readonly store: SessionStore
  /** One turn at a time per session, so turns are kept in the order they ran. */
  private readonly locks = new Map<string, Promise<unknown>>()
  /** The last `updatedAt` given, so two turns never share one. */
  private lastUpdate = 0

  constructor (components: SessionComponents, init: SessionInit = {}) {
    this.c = components
    this.init = init
    this.store = new SessionStore({ db: components.db, logger: components.logger })
  }

  async start (): Promise<void> { await this.store.start() }
  async stop (): Promise<void> {
    await Promise.allSettled([...this.locks.values()])
    await this.store.stop()
  }

  /** Every session, most recently used first. */
  async list (): Promise<SessionSummary[]> {
    return (await this.store.list()).sort((a, b) => b.updatedAt - a.updatedAt).map(r => sessionSummary(this.c.self, r))
  }

  async show (id: string): Promise<SessionDetail> {
    const record = await this.record(id)
    return sessionDetail(this.c.self, record, await this.store.turns(record), await this.store.summary(record))
  }

  async remove (id: string): Promise<{ removed: string }> {
    const record = await this.record(id)
    await this.exclusive(record.name, async () => { await this.store.remove(record) })
    return { removed: qualifiedSessionId(this.c.self, record.name) }
  }

  /** Turns and summaries of one session (or all of the agent's) that match `query`, by BM25. */
  async search (query: string, opts: { session?: string, agent?: string, k?: number } = {}): Promise<Array<{ session: string, kind: 'turn' | 'summary', seq: number, text: string, score: number }>> {
    const k = Math.min(MAX_SEARCH_HITS, opts.k ?? 5)
    if (opts.session != null) {
      const record = await this.record(opts.session)
      return (await this.store.search(record.agent, query, { session: record.name, k })).map(h => ({ ...h, session: qualifiedSessionId(this.c.self, h.session) }))
    }
    return (await this.store.search(opts.agent ?? DEFAULT_AGENT, query, { k })).map(h => ({ ...h, session: qualifiedSessionId(this.c.self, h.session) }))
  }

  async turn (req: TurnRequest): Promise<TurnResult> {
    const name = req.session != null ? sessionName(req.session, this.c.self) : newSessionName()
    if (req.messages.length === 0 || req.messages.length > MAX_TURN_MESSAGES) throw new InvalidTurnError(`A turn adds 1 to ${MAX_TURN_MESSAGES} messages`)
    return await this.exclusive(name, async () => await this.runTurn(name, req))
  }

  private async runTurn (name: string, req: TurnRequest): Promise<TurnResult> {
    const all = await this.store.list()
    const existing = all.find(r => r.name === name)
    if (existing == null && all.length >= MAX_SESSIONS) throw new SessionLimitError(MAX_SESSIONS)
    const agentName = existing?.agent ?? req.agent
    const profile = agentName != null && agentName !== DEFAULT_AGENT ? this.c.agentProfile?.(agentName) : undefined
    if (agentName != null && agentName !== DEFAULT_AGENT && profile == null) throw new UnknownAgentError(agentName)
    const model = req.model ?? existing?.model ?? profile?.model ?? await this.c.defaultModel()
    if (model == null) throw new NoSessionModelError()
    const dataClass = req.dataClass ?? existing?.dataClass ?? this.init.defaultClass ?? DEFAULT_SESSION_CLASS
    const agent = existing?.agent ?? req.agent ?? DEFAULT_AGENT
    const key = qualifiedSessionId(this.c.self, name)
    const contextTokens = await this.c.contextSizeOf(model) ?? DEFAULT_CONTEXT_TOKENS
    const replyTokens = req.sampling?.maxTokens ?? Math.min(DEFAULT_REPLY_TOKENS, Math.floor(contextTokens / 4))
    const route = { dataClass, ...(req.peer != null ? { peer: req.peer } : {}), ...(req.local === true ? { local: true } : {}) }
    const classes = new Map(all.map(r => [r.name, r.dataClass]))

    const budget = historyBudget(contextTokens, replyTokens, req.messages)
    const query = req.query ?? [...req.messages].reverse().find(m => m.role === 'user')?.content
    const summarize = async (input: SummarizeInput, o?: { signal?: AbortSignal }): Promise<string> => {
      const maxTokens = Math.max(1, Math.min(SUMMARY_MAX_TOKENS, input.maxTokens))
      const r = await this.c.run({
        kind: 'llm.chat',
        model,
        input: { model, messages: summaryPrompt(input, contextTokens - maxTokens - TEMPLATE_RESERVE_TOKENS), maxTokens, temperature: 0, session: key },
        ...route,
        priority: 'background',
        ...(o?.signal != null ? { signal: o.signal } : {})
      })
      return typeof r.output === 'string' ? r.output : ''
    }
    const built = budget >= MIN_HISTORY_TOKENS
      ? await this.store.conversations.buildContext({
        agent,
        session: name,
        ...(query != null ? { query } : {}),
        budgetTokens: budget,
        countTokens,
        summarize,
        ...(req.signal != null ? { signal: req.signal } : {}),
        // a session never recalls what a stricter class keeps closer
        recallFrom: (s) => { const c = classes.get(s); return c != null && stricter(c, dataClass) === dataClass }
      })
      : { messages: [], tokens: 0, recalled: [], summarized: false }
    const asked = req.messages.filter(m => m.role === 'system')
    // the agent's system text steers every turn unless the turn brings its own
    const system: ChatMessage[] = asked.length > 0 || profile?.system == null ? asked : [{ role: 'system', content: profile.system }]
    const kept = req.messages.filter(m => m.role !== 'system')
    const prompt: ChatMessage[] = [...system, ...built.messages, ...kept]

    const result = await this.c.run({
      kind: 'llm.chat',
      model,
      input: { model, messages: prompt, ...req.sampling, maxTokens: replyTokens, session: key },
      ...route,
      priority: req.priority ?? 'interactive',
      ...(req.signal != null ? { signal: req.signal } : {}),
      ...(req.onEvent != null ? { onEvent: req.onEvent } : {})
    })
    // the reply is whole: only now does the session grow
    const reply = typeof result.output === 'string' ? result.output : ''
    for (const m of kept) await this.store.conversations.append(agent, name, m)
    await this.store.conversations.append(agent, name, { role: 'assistant', content: reply })
    // strictly increasing, so "most recent first" holds for turns within one millisecond
    const now = this.lastUpdate = Math.max(Date.now(), this.lastUpdate + 1)
    const record: SessionRecord = {
      name,
      agent,
      model,
      dataClass,
      title: existing?.title ?? (kept.find(m => m.role === 'user')?.content ?? '').replace(/\s+/g, ' ').slice(0, TITLE_CHARS),
      turns: (existing?.turns ?? 0) + kept.length + 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      lastContext: {
        messages: prompt,
        ...(result.usage != null ? { promptTokens: result.usage.promptTokens } : {}),
        estimatedTokens: built.tokens + prompt.slice(prompt.length - kept.length).reduce((n, m) => n + countTokens(m.content), 0),
        budgetTokens: budget,
        summarized: built.summarized,
        recalled: built.recalled.map(t => ({ session: t.session, seq: t.seq }))
      }
    }
    await this.store.put(record)
    this.c.logger('session %s: turn %d, %d context messages', name, record.turns, prompt.length)
    return { ...result, session: key, contextMessages: prompt.length, summarized: built.summarized, recalled: built.recalled.length }
  }

  private async record (id: string): Promise<SessionRecord> {
    const record = await this.store.get(sessionName(id, this.c.self))
    if (record == null) throw new UnknownSessionError()
    return record
  }

  private async exclusive<T> (name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve()
    const run = prev.catch(() => {}).then(fn)
    const tail = run.catch(() => {})
    this.locks.set(name, tail)
    try {
      return await run
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name)
    }
  }
}

/** The session service factory, js-libp2p style. */
export function sessionService (init: SessionInit = {}): (components: SessionComponents) => SessionService {
  return (components) => new SessionService(components, init)
}
