// The latest audit entries and the log's verify verdict.
import { api } from '../lib/api.js'
import { $, el, plural } from '../lib/dom.js'
import { nameOf } from '../lib/state.js'

export function auditDetail (e) {
  const d = e.data ?? {}
  const parts = []
  for (const k of ['kind', 'allow', 'rule', 'state', 'code', 'reason', 'direction', 'model', 'dataClass']) if (d[k] != null) parts.push(`${k}=${d[k]}`)
  if (e.task != null) parts.push(`task ${e.task.slice(0, 8)}`)
  return parts.join(' ')
}

export async function refreshAudit () {
  const entries = await api('/api/audit/tail?n=15')
  const rows = entries.slice().reverse().map(e => el('tr', { seq: String(e.seq) },
    el('td', {}, e.seq),
    el('td', { class: 'small' }, String(e.time).slice(11, 19)),
    el('td', {}, el('span', { class: e.data?.allow === false ? 'state state-rejected' : '' }, e.type)),
    el('td', { title: e.peer ?? e.actor }, nameOf(e.peer ?? e.actor)),
    el('td', { class: 'small' }, auditDetail(e))))
  $('audit').replaceChildren(...rows)
}

export async function refreshVerify () {
  const badge = $('verify')
  badge.className = 'badge'
  badge.textContent = 'verifying…'
  const v = await api('/api/audit/verify')
  badge.className = v.ok ? 'badge ok' : 'badge bad'
  badge.textContent = v.ok
    ? `verified: ${plural(v.entries, 'entry', 'entries')}, ${plural(v.checkpoints, 'checkpoint', 'checkpoints')}`
    : `FAILED at #${v.firstBad?.seq}: ${v.firstBad?.reason ?? 'unknown'}`
}

export function setupAudit () {
  $('verify-now').addEventListener('click', () => {
    void refreshAudit().catch(() => {})
    void refreshVerify().catch(err => { $('verify').textContent = `error: ${err.message}` })
  })
}
