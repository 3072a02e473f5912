/**
 * `mycel audit trace TASK_ID`: the tree of tasks linked by delegation
 * chains, from the entries this node holds. A chained task's `task.sent`
 * or `task.received` entry names its parent task (`parentTask`), so the
 * tree is walked up from the task to the highest ancestor held here, then
 * down through every child held. Only ids, kinds, peers and states: the
 * log holds nothing else.
 *
 * @example
 * const tree = await traceTask(audit, taskId)
 * for (const line of formatTrace(tree)) console.log(line)
 */
import type { AuditEntry } from './entry.ts'
import { MAX_TAIL_ENTRIES } from './constants.ts'

export interface TraceNode {
  task: string
  /** Whether this node holds entries of the task (an ancestor seen only as a parent id is not). */
  held: boolean
  kind?: string
  /** How this node took part: it sent the task, received it, or ran it for itself. */
  role?: 'sent' | 'received' | 'local'
  /** The executor (sent) or delegator (received). */
  peer?: string
  state?: string
  parent?: string
  origin?: string
  agent?: string
  depth?: number
  children: TraceNode[]
}

type Info = Omit<TraceNode, 'children'>

const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined

function collect (entries: readonly AuditEntry[]): Map<string, Info> {
  const tasks = new Map<string, Info>()
  for (const e of entries) {
    if (e.task == null) continue
    const t = tasks.get(e.task) ?? { task: e.task, held: true }
    tasks.set(e.task, t)
    const d = e.data ?? {}
    if (e.type === 'task.sent' || e.type === 'task.received') {
      t.kind = str(d.kind) ?? t.kind
      t.role = e.type === 'task.sent' ? 'sent' : d.local === true ? 'local' : 'received'
      if (e.peer != null && t.role !== 'local') t.peer = e.peer
      const parent = str(d.parentTask)
      if (parent != null) t.parent = parent
      if (str(d.chainOrigin) != null) t.origin = str(d.chainOrigin)
      if (str(d.chainAgent) != null) t.agent = str(d.chainAgent)
      if (typeof d.chainDepth === 'number') t.depth = d.chainDepth
    }
    if (e.type === 'task.state' && typeof d.state === 'string') t.state = d.state
    if (e.type === 'task.rejected') t.state = `rejected (${str(d.reason) ?? str(d.code) ?? 'refused'})`
    if (e.type === 'task.result' && t.state == null) t.state = 'completed'
  }
  return tasks
}

/** The tree around `taskId` among `entries`; undefined when none of them is about it. */
export function buildTrace (entries: readonly AuditEntry[], taskId: string): TraceNode | undefined {
  const tasks = collect(entries)
  if (!tasks.has(taskId)) return undefined
  let top = taskId
  const up = new Set([top])
  for (let p = tasks.get(top)?.parent; p != null && tasks.has(p) && !up.has(p); p = tasks.get(p)?.parent) { up.add(p); top = p }
  const children = new Map<string, string[]>()
  for (const t of tasks.values()) if (t.parent != null) children.set(t.parent, [...children.get(t.parent) ?? [], t.task])
  const seen = new Set<string>()
  const node = (id: string): TraceNode => {
    seen.add(id)
    const kids = (children.get(id) ?? []).filter(k => !seen.has(k))
    return { ...(tasks.get(id) as Info), children: kids.map(node) }
  }
  return node(top)
}

/** Reads what the log holds (its last MAX_TAIL_ENTRIES entries and every entry of the task) and builds the tree. */
export async function traceTask (log: { tail: (n: number) => Promise<AuditEntry[]>, byTask: (taskId: string) => Promise<AuditEntry[]> }, taskId: string): Promise<TraceNode | undefined> {
  const [tail, own] = await Promise.all([log.tail(MAX_TAIL_ENTRIES), log.byTask(taskId)])
  const bySeq = new Map<number, AuditEntry>()
  for (const e of [...own, ...tail]) bySeq.set(e.seq, e)
  return buildTrace([...bySeq.values()].sort((a, b) => a.seq - b.seq), taskId)
}

/** One line per task, indented under its parent. */
export function formatTrace (root: TraceNode): string[] {
  const lines: string[] = []
  if (root.parent != null) lines.push(`(parent ${root.parent}: not held here)`)
  const walk = (n: TraceNode, prefix: string, last: boolean, top: boolean): void => {
    const who = n.role === 'sent' ? `sent to ${n.peer ?? '?'}` : n.role === 'received' ? `from ${n.peer ?? '?'}` : n.role === 'local' ? 'here' : ''
    const chain = n.depth != null ? ` depth ${n.depth}${n.origin != null ? `, origin ${n.origin}` : ''}${n.agent != null ? `, agent ${n.agent}` : ''}` : ''
    lines.push(`${prefix}${top ? '' : last ? '└─ ' : '├─ '}${n.task} ${n.kind ?? '?'} ${who}${chain} [${n.state ?? 'unknown'}]`.replace(/ +/g, ' '))
    n.children.forEach((c, i) => { walk(c, top ? '' : prefix + (last ? '   ' : '│  '), i === n.children.length - 1, false) })
  }
  walk(root, '', true, true)
  return lines
}
