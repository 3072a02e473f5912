// The policy in force on this node: its rules in order, data classes, rate limits, cloud fallback.
import { api } from '../lib/api.js'
import { $, el } from '../lib/dom.js'

const list = (xs) => xs == null || xs.length === 0 ? '—' : xs.join(', ')

export async function refreshPolicy () {
  const p = await api('/api/policy')
  $('policy-source').textContent = `${p.source}${p.description != null ? ` — ${p.description}` : ''} · default ${p.default}`
  $('policy-rules').replaceChildren(...p.rules.map(r => el('tr', { rule: r.id },
    el('td', {}, el('strong', {}, r.id), r.description != null ? el('div', { class: 'small muted' }, r.description) : ''),
    el('td', {}, el('span', { class: r.effect === 'allow' ? 'state state-completed' : 'state state-failed' }, r.effect)),
    el('td', {}, list(r.who)),
    el('td', {}, list(r.kinds), r.toolCalls != null ? el('div', { class: 'small muted' }, r.toolCalls) : ''),
    el('td', { class: 'small' }, [r.models.length > 0 ? `models ${list(r.models)}` : '', r.collections.length > 0 ? ` collections ${list(r.collections)}` : '', r.classes.length > 0 ? ` classes ${list(r.classes)}` : ''].join('').trim() || '—'),
    el('td', {}, r.direction))))
  const peers = Object.entries(p.rateLimits.peers ?? {})
  $('policy-facts').replaceChildren(
    el('dt', {}, 'Leave this node'), el('dd', {}, list(p.dataClasses.leaveNode)),
    el('dt', {}, 'Leave the org'), el('dd', {}, list(p.dataClasses.leaveOrg)),
    el('dt', {}, 'Never leave'), el('dd', {}, list(p.dataClasses.neverLeaves)),
    el('dt', {}, 'Rate limit'), el('dd', {}, p.rateLimits.default, peers.length > 0 ? ` (${peers.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''),
    el('dt', {}, 'Cloud fallback'), el('dd', {}, p.cloudFallback.enabled ? `on: ${p.cloudFallback.endpoint ?? ''} for ${list(p.cloudFallback.kinds)}` : 'off'))
}
