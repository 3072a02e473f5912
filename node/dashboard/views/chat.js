// Chat with sessions: the list (GET /api/sessions), one session's history
// (GET /api/sessions/ID), a turn (POST /api/sessions/turns, streamed NDJSON
// task events), delete (DELETE /api/sessions/ID). Keyboard: Enter sends,
// Shift+Enter is a new line, Escape stops the turn; the list is buttons.
import { api, ndjsonLines, Unauthorized } from '../lib/api.js'
import { $, button, confirmDialog, el, say, syncOptions } from '../lib/dom.js'
import { state } from '../lib/state.js'

let current = null
let running = null

function newName () {
  const bytes = crypto.getRandomValues(new Uint8Array(5))
  return `chat-${[...bytes].map(b => b.toString(16).padStart(2, '0')).join('')}`
}

function bubble (role, text) {
  return el('div', { class: `turn ${role}` }, el('span', { class: 'muted small' }, role), el('div', { class: 'text' }, text))
}

export function fillChatSelects () {
  const models = [...new Set(state.caps.flatMap(c => (c.models ?? []).map(m => m.name)))].sort()
  syncOptions($('chat-model'), models.map(m => [m, m]))
}

export async function refreshSessions () {
  const list = await api('/api/sessions')
  const box = $('chat-sessions')
  box.replaceChildren(...list.map(s => el('li', {},
    button(s.title || s.name, () => { void open(s.name) }, { class: `link${s.name === current ? ' current' : ''}`, title: `${s.id} · ${s.turns} turns · ${s.dataClass}` }),
    ' ',
    button('delete', () => { void remove(s) }, { class: 'link danger', title: `Delete ${s.name}` }))))
  $('chat-empty').hidden = list.length > 0
}

async function open (name) {
  current = name
  $('chat-session').textContent = name
  const s = await api(`/api/sessions/${encodeURIComponent(name)}`)
  const log = $('chat-log')
  log.replaceChildren(...(s.summary != null ? [bubble('summary', s.summary.text)] : []), ...s.history.map(t => bubble(t.role, t.content)))
  if (s.model != null) $('chat-model').value = s.model
  await refreshSessions()
  $('chat-input').focus()
}

async function remove (s) {
  if (!await confirmDialog({ title: 'Delete session', message: `Delete ${s.name} and its history? This cannot be undone.`, yes: 'Delete' })) return
  await api(`/api/sessions/${encodeURIComponent(s.name)}`, { method: 'DELETE' })
  if (current === s.name) startNew()
  await refreshSessions()
}

function startNew () {
  current = newName()
  $('chat-session').textContent = `${current} (new)`
  $('chat-log').replaceChildren()
  $('chat-input').focus()
}

async function send (onUnauthorized) {
  const text = $('chat-input').value
  if (text.trim() === '' || running != null) return
  if (current == null) startNew()
  const log = $('chat-log')
  log.append(bubble('user', text))
  const reply = bubble('assistant', '')
  log.append(reply)
  const out = reply.querySelector('.text')
  $('chat-input').value = ''
  say($('chat-status'), 'thinking…')
  running = new AbortController()
  $('chat-stop').disabled = false
  const maxTokens = Number($('chat-max-tokens').value) || undefined
  try {
    const res = await api('/api/sessions/turns', { method: 'POST', raw: true, signal: running.signal, json: { session: current, model: $('chat-model').value || undefined, maxTokens, messages: [{ role: 'user', content: text }] } })
    for await (const e of ndjsonLines(res)) {
      if (e.type === 'text') out.textContent += e.text
      else if (e.type === 'reset') out.textContent = ''
      else if (e.type === 'error') throw new Error(e.error?.message ?? 'The turn failed')
      else if (e.type === 'result') say($('chat-status'), e.usage != null ? `${e.usage.promptTokens} prompt tokens (history included)` : 'done')
    }
    await refreshSessions()
  } catch (err) {
    reply.remove()
    if (err.name === 'AbortError') say($('chat-status'), 'stopped; the session keeps nothing of that turn')
    else if (err instanceof Unauthorized) onUnauthorized(err)
    else say($('chat-status'), `error: ${err.message}`, true)
  } finally {
    running = null
    $('chat-stop').disabled = true
  }
}

export function setupChat (onUnauthorized) {
  $('chat-form').addEventListener('submit', (evt) => { evt.preventDefault(); void send(onUnauthorized) })
  $('chat-input').addEventListener('keydown', (evt) => {
    if (evt.key === 'Enter' && !evt.shiftKey) { evt.preventDefault(); $('chat-form').requestSubmit() }
    if (evt.key === 'Escape') running?.abort()
  })
  $('chat-stop').addEventListener('click', () => { running?.abort() })
  $('chat-new').addEventListener('click', startNew)
}
