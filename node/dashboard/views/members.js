// The node's own line in the header, and the members of the mesh with their
// cards; an admin node can revoke a member (after a confirmation).
import { api } from '../lib/api.js'
import { $, age, button, confirmDialog, el, say, short } from '../lib/dom.js'
import { state } from '../lib/state.js'

export async function refreshStatus () {
  const s = await api('/api/status')
  state.self = s.peerId
  state.admin = s.admin === true
  state.status = s
  $('node').textContent = `${s.name} · org ${s.org?.name ?? '-'} · ${s.peers} connected member${s.peers === 1 ? '' : 's'} · up ${age(Date.now() - s.uptimeMs)}`
  $('node').title = s.peerId
  // a member whose new audit checkpoint does not extend the one held here rewrote its history
  const warnings = s.witness?.warnings ?? []
  const box = $('witness-warnings')
  box.hidden = warnings.length === 0
  box.replaceChildren(...warnings.map(w => el('p', { peer: w.peer }, el('strong', {}, 'Audit history rewritten: '), w.reason)))
}

export async function refreshMembers () {
  const [caps, peers] = await Promise.all([api('/api/caps'), api('/api/peers')])
  state.caps = caps
  for (const c of caps) state.names.set(c.peerId, c.name)
  const rtt = new Map(peers.map(p => [p.peerId, p.rttMs]))
  const rows = caps
    .slice()
    .sort((a, b) => Number(b.self) - Number(a.self) || String(a.name).localeCompare(String(b.name)))
    .map(c => {
      const hw = c.hardware ?? {}
      const load = c.load ?? {}
      const name = el('td', {}, el('strong', {}, c.name), c.self ? el('span', { class: 'badge' }, 'this node') : '', (c.roles ?? []).includes('admin') ? el('span', { class: 'badge' }, 'admin') : '')
      const action = !c.self && state.admin ? button('revoke', () => { void revoke(c) }, { class: 'link danger', revoke: c.peerId }) : ''
      return el('tr', { peer: c.peerId },
        name,
        el('td', { class: 'mono', title: c.peerId }, short(c.peerId)),
        el('td', {}, (c.models ?? []).map(m => m.name).join(', ') || '—'),
        el('td', {}, hw.backend ?? '—', hw.gpuName != null ? ` (${hw.gpuName})` : ''),
        el('td', {}, `${load.running ?? 0} running, ${load.queued ?? 0} queued / ${load.slots ?? 0} slots`),
        el('td', { class: 'small' }, (c.taskKinds ?? []).join(', ')),
        el('td', {}, c.self ? '—' : rtt.get(c.peerId) != null ? `${Math.round(rtt.get(c.peerId))} ms` : '…'),
        el('td', {}, action))
    })
  $('members').replaceChildren(...rows)
  $('members-count').textContent = `(${caps.length})`
}

async function revoke (card) {
  const ok = await confirmDialog({
    title: 'Revoke a member',
    message: `Revoke ${card.name} (${short(card.peerId)})? Every member will refuse it from now on, and the invites it redeemed stop working. This cannot be undone.`,
    yes: `Revoke ${card.name}`
  })
  if (!ok) return
  const status = $('members-status')
  say(status, `revoking ${card.name}…`)
  try {
    const r = await api('/api/revoke', { method: 'POST', json: { peerId: card.peerId } })
    say(status, `Revoked ${card.name} (revocation list #${r.seq}${r.invites?.length > 0 ? `, ${r.invites.length} invite(s) revoked too` : ''}).`)
    await refreshMembers()
  } catch (err) {
    say(status, `Could not revoke ${card.name}: ${err.message}`, true)
  }
}
