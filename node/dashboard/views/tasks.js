// Recent tasks (those this node sent, ran or received), and the detail of one:
// every role's record, the failure's code and reason, and its audit trail.
import { api } from '../lib/api.js'
import { $, age, button, clock, duration, el } from '../lib/dom.js'
import { nameOf } from '../lib/state.js'
import { auditDetail } from './audit.js'

const FINAL = new Set(['completed', 'failed', 'canceled', 'rejected'])
let selected = null

export async function refreshTasks () {
  const tasks = oneRowEach(await api('/api/tasks'))
  const rows = tasks.slice(0, 25).map(t => el('tr', { task: t.taskId, class: t.taskId === selected ? 'selected' : null },
    el('td', { class: 'mono', title: t.taskId }, button(t.taskId.slice(0, 8), () => { void showTask(t.taskId) }, { class: 'link mono', open: t.taskId })),
    el('td', {}, t.kind, t.model != null ? el('span', { class: 'muted' }, ` ${t.model}`) : ''),
    el('td', {}, t.role),
    el('td', {}, el('span', { class: `state state-${t.state}`, title: t.reason ?? t.error ?? null }, t.state)),
    el('td', { title: t.executor }, t.executor ? nameOf(t.executor) : '—'),
    el('td', {}, age(t.createdAt))))
  $('tasks').replaceChildren(...rows)
  $('tasks-empty').hidden = tasks.length > 0
  // a task still running keeps its detail fresh
  if (selected != null && $('task-detail').dataset.final !== 'true') await showTask(selected)
}

/** A task run here has two records (the router's and the executor's): one row, the router's state, both roles. */
function oneRowEach (tasks) {
  const byId = new Map()
  for (const t of tasks) {
    const seen = byId.get(t.taskId)
    if (seen == null) byId.set(t.taskId, { ...t })
    else {
      seen.role = [seen.role, t.role].sort().join(' · ')
      if (t.role === 'delegator') Object.assign(seen, { state: t.state, error: t.error, reason: t.reason ?? seen.reason })
      seen.reason ??= t.reason
    }
  }
  return [...byId.values()]
}

export async function showTask (taskId) {
  selected = taskId
  for (const tr of $('tasks').children) tr.classList.toggle('selected', tr.dataset.task === taskId)
  const panel = $('task-detail')
  panel.hidden = false
  let d
  try {
    d = await api(`/api/tasks/${taskId}`)
  } catch (err) {
    panel.replaceChildren(el('p', { class: 'error' }, `Task ${taskId.slice(0, 8)}: ${err.message}`))
    return
  }
  const records = d.records ?? []
  panel.dataset.final = String(records.length > 0 && records.every(r => FINAL.has(r.state)))
  const fields = (r) => [
    ['Role', r.role],
    ['State', el('span', { class: `state state-${r.state}` }, r.state)],
    ['Kind', `${r.kind}${r.model != null ? ` · ${r.model}` : ''}`],
    ['Executor', r.executor ? `${nameOf(r.executor)}` : '—'],
    ...(r.role === 'executor' ? [['Asked by', nameOf(r.peer)]] : []),
    ['Started', clock(r.createdAt)],
    ['Took', FINAL.has(r.state) ? duration(r.updatedAt - r.createdAt) : `${duration(Date.now() - r.createdAt)} so far`],
    ...(r.error != null ? [['Error', el('span', { class: 'error', error: r.error }, r.error)]] : []),
    ...(r.reason != null ? [['Reason', el('span', { class: 'error reason' }, r.reason)]] : [])
  ]
  const blocks = records.map(r => el('dl', { role: r.role }, ...fields(r).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])))
  const trail = (d.audit ?? []).map(e => el('tr', { seq: String(e.seq) },
    el('td', {}, e.seq),
    el('td', { class: 'small' }, String(e.time).slice(11, 23)),
    el('td', {}, el('span', { class: e.data?.allow === false || e.data?.code != null ? 'state state-rejected' : '' }, e.type)),
    el('td', { title: e.peer ?? e.actor }, nameOf(e.peer ?? e.actor)),
    el('td', { class: 'small' }, auditDetail(e))))
  panel.replaceChildren(
    el('h3', {}, 'Task ', el('span', { class: 'mono', title: taskId }, taskId.slice(0, 12)), ' ', button('close', () => { selected = null; panel.hidden = true })),
    ...(blocks.length > 0 ? blocks : [el('p', { class: 'muted' }, 'No record left on this node; the audit trail remains.')]),
    el('h4', {}, 'Audit trail'),
    el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {}, ...['#', 'Time', 'Type', 'Peer', 'Detail'].map(h => el('th', {}, h)))), el('tbody', { id: 'task-audit' }, ...trail))))
}
