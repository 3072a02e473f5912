/** `mycel sessions ls|show|rm|search`: the chat sessions this node holds. */
import type { Command } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import type { SessionDetail, SessionSummary } from '../../sessions/index.ts'
import { table } from '../output.ts'

const sessionsLs: Command = {
  path: ['sessions', 'ls'],
  summary: 'List the chat sessions this node holds, most recent first',
  async run (ctx) {
    const list = await (await ApiClient.fromHome(ctx.home)).get<SessionSummary[]>('/api/sessions', ctx.signal)
    if (ctx.json) { ctx.out.json(list); return }
    if (list.length === 0) { ctx.out.line('No sessions yet; start one with `mycel chat`.'); return }
    ctx.out.line(table(list.map(s => ({ ...s, updated: new Date(s.updatedAt).toISOString().slice(0, 19).replace('T', ' ') })), ['name', 'turns', 'model', 'dataClass', 'updated', 'title']))
  }
}

const sessionsShow: Command = {
  path: ['sessions', 'show'],
  summary: 'Show a session: its history, summary and the context its last turn used',
  usage: 'SESSION',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const s = await (await ApiClient.fromHome(ctx.home)).get<SessionDetail>(`/api/sessions/${encodeURIComponent(args.positionals[0] as string)}`, ctx.signal)
    if (ctx.json) { ctx.out.json(s); return }
    ctx.out.line(`${s.id}  ${s.model ?? ''}  ${s.dataClass}  ${s.turns} turns`)
    if (s.summary != null) ctx.out.line(`summary (turns before ${s.summary.upTo}): ${s.summary.text}`)
    for (const t of s.history) ctx.out.line(`${String(t.seq).padStart(4)} ${t.role}: ${t.content}`)
  }
}

const sessionsRm: Command = {
  path: ['sessions', 'rm'],
  summary: 'Remove a session with its history and summaries',
  usage: 'SESSION',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const r = await (await ApiClient.fromHome(ctx.home)).delete<{ removed: string }>(`/api/sessions/${encodeURIComponent(args.positionals[0] as string)}`, ctx.signal)
    if (ctx.json) ctx.out.json(r)
    else ctx.out.line(`Removed ${r.removed}`)
  }
}

const sessionsSearch: Command = {
  path: ['sessions', 'search'],
  summary: 'Search the turns and summaries of the sessions (or of one)',
  usage: '[--session S] QUERY',
  options: { session: { type: 'string', help: 'Search this session only' } },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const q = new URLSearchParams({ q: args.positionals[0] as string })
    if (args.values.session != null) q.set('session', args.values.session as string)
    const hits = await (await ApiClient.fromHome(ctx.home)).get<Array<{ session: string, kind: string, seq: number, text: string, score: number }>>(`/api/sessions/search?${q.toString()}`, ctx.signal)
    if (ctx.json) { ctx.out.json(hits); return }
    if (hits.length === 0) { ctx.out.line('Nothing found.'); return }
    for (const h of hits) ctx.out.line(`${h.session} #${h.seq} (${h.kind}, ${h.score.toFixed(2)}): ${h.text}`)
  }
}

export const sessionsCommands: Command[] = [sessionsLs, sessionsShow, sessionsRm, sessionsSearch]
