/**
 * Where sessions live: each session's record (model, data class, counts, the
 * context its last turn was given) in the node database's `sessions`
 * sublevel, and its turns and summaries in the MemGPT conversation memory
 * (`memory/conversation.ts`) in `session-turns` beside it. Records read back
 * are checked against their shape; the disk is not trusted.
 */
import { arrayOf, num, object, oneOf, optional, parse, str, uint, bool, type Infer } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { ConversationMemory, type ConversationHit, type Summary, type Turn } from '../memory/conversation.ts'
import type { MemoryDb } from '../memory/record-store.ts'
import type { Logger } from '../logger.ts'

const Message = object({ role: oneOf(['system', 'user', 'assistant', 'tool'] as const), content: str({ max: 16 * 1024 * 1024 }) })

export const SessionRecordShape = object({
  name: str({ min: 1, max: 64 }),
  agent: str({ min: 1, max: 128 }),
  model: optional(str({ min: 1, max: 128 })),
  dataClass: oneOf(DATA_CLASSES),
  title: str({ max: 256 }),
  turns: uint(),
  createdAt: uint(),
  updatedAt: uint(),
  /** What the last turn sent the model: history, recalled turns and summary included. */
  lastContext: optional(object({
    messages: arrayOf(Message, { max: 100_000 }),
    /** The executor's count of the prompt. */
    promptTokens: optional(uint()),
    /** This node's (upper-bound) estimate of it. */
    estimatedTokens: uint(),
    budgetTokens: num(),
    summarized: bool,
    recalled: arrayOf(object({ session: str({ max: 64 }), seq: uint() }), { max: 1000 })
  }))
})

export type SessionRecord = Infer<typeof SessionRecordShape>

export interface SessionStoreComponents {
  /** The node's database; the store takes two sublevels of it. */
  db: MemoryDb
  logger: Logger
}

export class SessionStore {
  readonly conversations: ConversationMemory
  private readonly records
  private started = false

  constructor (components: SessionStoreComponents) {
    this.records = components.db.sublevel<string, string>('sessions', { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    this.conversations = new ConversationMemory({ db: components.db, logger: components.logger }, { sublevel: 'session-turns' })
  }

  async start (): Promise<void> {
    if (this.started) return
    await this.records.open()
    await this.conversations.start()
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.conversations.stop()
  }

  async get (name: string): Promise<SessionRecord | undefined> {
    const raw = await this.records.get(name)
    return raw == null ? undefined : parse(SessionRecordShape, JSON.parse(raw), 'session record')
  }

  async put (record: SessionRecord): Promise<void> {
    await this.records.put(record.name, JSON.stringify(parse(SessionRecordShape, record, 'session record')))
  }

  async list (): Promise<SessionRecord[]> {
    const out: SessionRecord[] = []
    for await (const raw of this.records.values()) out.push(parse(SessionRecordShape, JSON.parse(raw), 'session record'))
    return out
  }

  async count (): Promise<number> {
    let n = 0
    for await (const _ of this.records.keys()) n++ // eslint-disable-line @typescript-eslint/no-unused-vars
    return n
  }

  /** Removes a session's record, turns and summaries; false when there was none. */
  async remove (record: SessionRecord): Promise<void> {
    await this.conversations.remove(record.agent, record.name)
    await this.records.del(record.name)
  }

  async turns (record: SessionRecord): Promise<Turn[]> {
    return await this.conversations.turns(record.agent, record.name)
  }

  async summary (record: SessionRecord): Promise<Summary | undefined> {
    return await this.conversations.summary(record.agent, record.name)
  }

  async search (agent: string, query: string, opts: { session?: string, k?: number }): Promise<ConversationHit[]> {
    return await this.conversations.search(agent, query, opts)
  }
}
