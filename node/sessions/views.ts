/** What `sessions ls` and `sessions show` answer with: the record under its qualified id. */
import type { DataClass } from '../../protocol/task/messages.ts'
import type { Summary, Turn } from '../memory/conversation.ts'
import { qualifiedSessionId } from './ids.ts'
import type { SessionRecord } from './store.ts'

export interface SessionSummary {
  id: string
  name: string
  agent: string
  model: string | null
  dataClass: DataClass
  title: string
  turns: number
  createdAt: number
  updatedAt: number
}

export interface SessionDetail extends SessionSummary {
  history: Array<{ seq: number, role: Turn['role'], content: string, at: number }>
  summary: { text: string, upTo: number, at: number } | null
  lastContext: SessionRecord['lastContext'] | null
}

export function sessionSummary (self: string, r: SessionRecord): SessionSummary {
  return { id: qualifiedSessionId(self, r.name), name: r.name, agent: r.agent, model: r.model ?? null, dataClass: r.dataClass, title: r.title, turns: r.turns, createdAt: r.createdAt, updatedAt: r.updatedAt }
}

export function sessionDetail (self: string, r: SessionRecord, turns: Turn[], summary: Summary | undefined): SessionDetail {
  return {
    ...sessionSummary(self, r),
    history: turns.map(t => ({ seq: t.seq, role: t.role, content: t.content, at: t.at })),
    summary: summary != null ? { text: summary.text, upTo: summary.upTo, at: summary.at } : null,
    lastContext: r.lastContext ?? null
  }
}
