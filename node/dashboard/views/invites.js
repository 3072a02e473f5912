// Invites (admin nodes only): create one, shown as text to copy and as a QR
// code the node renders (an SVG image: no script, no markup of ours), and the
// invites this node issued with who redeemed them.
import { api } from '../lib/api.js'
import { $, el, say, until } from '../lib/dom.js'
import { nameOf, state } from '../lib/state.js'

export async function refreshInvites () {
  const admin = state.admin
  $('invite-form').hidden = !admin
  $('invites-admin-only').hidden = admin
  if (!admin) { $('invites').replaceChildren(); return }
  const list = await api('/api/invites')
  $('invites').replaceChildren(...list.slice(0, 20).map(i => el('tr', { invite: i.inviteId },
    el('td', { class: 'mono' }, String(i.inviteId).slice(0, 10)),
    el('td', {}, el('span', { class: `state state-${i.status === 'valid' ? 'completed' : i.status === 'revoked' ? 'failed' : i.status}` }, i.status)),
    el('td', {}, i.usesLeft ?? '—'),
    el('td', {}, (i.groups ?? []).join(', ')),
    el('td', {}, (i.redeemedBy ?? []).map(nameOf).join(', ') || '—'),
    el('td', {}, i.expiresAt != null ? (i.expiresAt > Date.now() ? `in ${until(i.expiresAt)}` : 'expired') : '—'))))
}

async function create (evt) {
  evt.preventDefault()
  const uses = Number($('invite-uses').value) || 1
  const hours = Number($('invite-hours').value) || 24
  const groups = $('invite-groups').value.split(',').map(s => s.trim()).filter(s => s !== '')
  const status = $('invite-status')
  say(status, 'signing…')
  try {
    const inv = await api('/api/invites?qr=svg', { method: 'POST', json: { uses, ttlMs: Math.round(hours * 3600_000), ...(groups.length > 0 ? { groups } : {}) } })
    $('invite-text').value = inv.invite
    const img = $('invite-qr')
    img.hidden = inv.qrSvg == null
    if (inv.qrSvg != null) {
      img.src = `data:image/svg+xml;base64,${btoa(inv.qrSvg)}`
      img.alt = `QR code of invite ${inv.inviteId}`
    }
    $('invite-result').hidden = false
    say(status, `Invite ${inv.inviteId.slice(0, 10)}: ${inv.uses} use${inv.uses === 1 ? '' : 's'}, groups ${inv.groups.join(', ') || 'the default'}, expires ${new Date(inv.expiresAt).toLocaleString()}. On the new machine: mycel join INVITE`)
    await refreshInvites()
  } catch (err) {
    say(status, err.message, true)
  }
}

export function setupInvites () {
  $('invite-form').addEventListener('submit', (evt) => { void create(evt) })
  $('invite-copy').addEventListener('click', () => {
    void navigator.clipboard?.writeText($('invite-text').value).then(() => { say($('invite-status'), 'Copied.') }, () => { $('invite-text').select() })
  })
}
