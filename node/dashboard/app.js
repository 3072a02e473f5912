// Mycel dashboard: plain browser JavaScript, no framework, no CDN.
// Everything from the API is shown with textContent (never innerHTML), so
// names, prompts and outputs cannot inject markup.
const TOKEN_KEY = 'mycel.token'
const $ = (id) => document.getElementById(id)

// A token passed as /?token=… moves into sessionStorage and out of the URL (and the history).
{
  const url = new URL(location.href)
  const t = url.searchParams.get('token')
  if (t != null) {
    sessionStorage.setItem(TOKEN_KEY, t)
    url.searchParams.delete('token')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
  }
}

class Unauthorized extends Error {}

function token () { return sessionStorage.getItem(TOKEN_KEY) }

async function api (path, init = {}) {
  const res = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token()}` } })
  if (res.status === 401) throw new Unauthorized('The token was refused')
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`
    try { const j = await res.json(); msg = j.error?.message ?? msg } catch {}
    throw new Error(msg)
  }
  return init.raw === true ? res : await res.json()
}

/** Builds an element; strings become text nodes, never markup. */
function el (tag, props = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v == null) continue
    if (k === 'class') e.className = v
    else if (k === 'title') e.title = v
    else e.dataset[k] = v
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')))
  return e
}

function plural (n, one, many) { return `${n} ${n === 1 ? one : many}` }
function short (id) { return typeof id === 'string' && id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : String(id ?? '') }
function age (ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`
}

const state = { caps: [], names: new Map(), self: null }

function nameOf (peerId) { return state.names.get(peerId) ?? short(peerId) }

async function refreshStatus () {
  const s = await api('/api/status')
  state.self = s.peerId
  $('node').textContent = `${s.name} · org ${s.org?.name ?? '-'} · ${s.peers} connected member${s.peers === 1 ? '' : 's'} · up ${age(Date.now() - s.uptimeMs)}`
  $('node').title = s.peerId
}

async function refreshMembers () {
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
      return el('tr', { peer: c.peerId },
        name,
        el('td', { class: 'mono', title: c.peerId }, short(c.peerId)),
        el('td', {}, (c.models ?? []).map(m => m.name).join(', ') || '—'),
        el('td', {}, hw.backend ?? '—', hw.gpuName != null ? ` (${hw.gpuName})` : ''),
        el('td', {}, `${load.running ?? 0} running, ${load.queued ?? 0} queued / ${load.slots ?? 0} slots`),
        el('td', { class: 'small' }, (c.taskKinds ?? []).join(', ')),
        el('td', {}, c.self ? '—' : rtt.get(c.peerId) != null ? `${Math.round(rtt.get(c.peerId))} ms` : '…'))
    })
  $('members').replaceChildren(...rows)
  $('members-count').textContent = `(${caps.length})`
  fillSelects()
}

function fillSelects () {
  const models = [...new Set(state.caps.flatMap(c => (c.models ?? []).map(m => m.name)))].sort()
  syncOptions($('model'), models.map(m => [m, m]))
  syncOptions($('peer'), [['', 'any (mesh picks)'], ...state.caps.map(c => [c.peerId, `${c.name}${c.self ? ' (this node)' : ''}`])])
}

/** Replaces a select's options only when they changed, keeping the choice. */
function syncOptions (select, pairs) {
  const key = JSON.stringify(pairs)
  if (select.dataset.key === key) return
  const chosen = select.value
  select.replaceChildren(...pairs.map(([value, label]) => { const o = el('option', {}, label); o.value = value; return o }))
  if (pairs.some(([v]) => v === chosen)) select.value = chosen
  select.dataset.key = key
}

async function refreshTasks () {
  const tasks = await api('/api/tasks')
  const rows = tasks.slice(0, 25).map(t => el('tr', { task: t.taskId },
    el('td', { class: 'mono', title: t.taskId }, t.taskId.slice(0, 8)),
    el('td', {}, t.kind, t.model != null ? el('span', { class: 'muted' }, ` ${t.model}`) : ''),
    el('td', {}, t.role),
    el('td', {}, el('span', { class: `state state-${t.state}`, title: t.error ?? null }, t.state)),
    el('td', { title: t.executor }, t.executor ? nameOf(t.executor) : '—'),
    el('td', {}, age(t.createdAt))))
  $('tasks').replaceChildren(...rows)
  $('tasks-empty').hidden = tasks.length > 0
}

function auditDetail (e) {
  const d = e.data ?? {}
  const parts = []
  for (const k of ['kind', 'allow', 'rule', 'state', 'code', 'direction', 'model', 'dataClass']) if (d[k] != null) parts.push(`${k}=${d[k]}`)
  if (e.task != null) parts.push(`task ${e.task.slice(0, 8)}`)
  return parts.join(' ')
}

async function refreshAudit () {
  const entries = await api('/api/audit/tail?n=15')
  const rows = entries.slice().reverse().map(e => el('tr', { seq: String(e.seq) },
    el('td', {}, e.seq),
    el('td', { class: 'small' }, String(e.time).slice(11, 19)),
    el('td', {}, el('span', { class: e.data?.allow === false ? 'state state-rejected' : '' }, e.type)),
    el('td', { title: e.peer ?? e.actor }, nameOf(e.peer ?? e.actor)),
    el('td', { class: 'small' }, auditDetail(e))))
  $('audit').replaceChildren(...rows)
}

async function refreshVerify () {
  const badge = $('verify')
  badge.className = 'badge'
  badge.textContent = 'verifying…'
  const v = await api('/api/audit/verify')
  badge.className = v.ok ? 'badge ok' : 'badge bad'
  badge.textContent = v.ok
    ? `verified: ${plural(v.entries, 'entry', 'entries')}, ${plural(v.checkpoints, 'checkpoint', 'checkpoints')}`
    : `FAILED at #${v.firstBad?.seq}: ${v.firstBad?.reason ?? 'unknown'}`
}

// --- the prompt box: POST /api/tasks streams NDJSON events (routed, text, result or error) ---

let running = null

async function send (evt) {
  evt.preventDefault()
  const prompt = $('prompt').value
  if (prompt.trim() === '' || running != null) return
  const kind = $('kind').value
  const model = $('model').value || undefined
  const peer = $('peer').value || undefined
  const maxTokens = Number($('max-tokens').value) || undefined
  const input = kind === 'llm.chat'
    ? { model, messages: [{ role: 'user', content: prompt }], maxTokens }
    : kind === 'llm.complete' ? { model, prompt, maxTokens } : { prompt, chunks: Math.min(16, prompt.length || 1), delayMs: 20 }
  if (kind.startsWith('llm.') && model == null) { $('run-status').textContent = 'No member offers a model.'; return }
  const body = { kind, input, ...(kind.startsWith('llm.') ? { model } : {}), ...(peer != null ? (peer === state.self ? { local: true } : { peer }) : {}) }
  const answer = $('answer')
  answer.textContent = ''
  answer.classList.remove('error')
  $('run-status').textContent = 'routing…'
  running = new AbortController()
  $('send').disabled = true
  $('stop').disabled = false
  try {
    const res = await api('/api/tasks', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: running.signal, raw: true })
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let buf = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buf += value
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (line !== '') onTaskEvent(JSON.parse(line))
      }
    }
  } catch (err) {
    if (err.name === 'AbortError') $('run-status').textContent = 'stopped'
    else showRunError(err)
  } finally {
    running = null
    $('send').disabled = false
    $('stop').disabled = true
  }
}

function onTaskEvent (e) {
  const answer = $('answer')
  if (e.type === 'routed') $('run-status').textContent = `running on ${nameOf(e.executor)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}…`
  else if (e.type === 'text') answer.textContent += e.text
  else if (e.type === 'reset') answer.textContent = ''
  else if (e.type === 'failover') $('run-status').textContent = `${nameOf(e.from)} failed; failing over…`
  else if (e.type === 'result') {
    if (answer.textContent === '') answer.textContent = typeof e.output === 'string' ? e.output : JSON.stringify(e.output)
    const u = e.usage != null ? ` · ${e.usage.promptTokens} prompt + ${e.usage.completionTokens} completion tokens` : ''
    $('run-status').textContent = `done on ${nameOf(e.executor)}${u}`
  } else if (e.type === 'error') showRunError(new Error(e.error?.message ?? 'Task failed'))
}

function showRunError (err) {
  if (err instanceof Unauthorized) { showLogin(err.message); return }
  $('run-status').textContent = `error: ${err.message}`
  $('answer').classList.add('error')
}

// --- polling and login ---

const timers = []

function every (ms, fn) {
  const tick = async () => {
    try { await fn() } catch (err) {
      if (err instanceof Unauthorized) { showLogin(err.message); return }
      $('node').textContent = `error: ${err.message}`
    }
  }
  void tick()
  timers.push(setInterval(tick, ms))
}

function showLogin (message = '') {
  for (const t of timers.splice(0)) clearInterval(t)
  sessionStorage.removeItem(TOKEN_KEY)
  $('main').hidden = true
  $('forget').hidden = true
  $('login').hidden = false
  $('login-error').textContent = message
  $('node').textContent = 'not connected'
  $('token').focus()
}

function showMain () {
  $('login').hidden = true
  $('main').hidden = false
  $('forget').hidden = false
  every(3000, refreshStatus)
  every(3000, refreshMembers)
  every(1000, refreshTasks)
  every(3000, refreshAudit)
  every(15000, refreshVerify)
}

$('login-form').addEventListener('submit', (evt) => {
  evt.preventDefault()
  const t = $('token').value.trim()
  if (t === '') return
  sessionStorage.setItem(TOKEN_KEY, t)
  $('token').value = ''
  showMain()
})
$('forget').addEventListener('click', () => { showLogin() })
$('prompt-form').addEventListener('submit', send)
$('stop').addEventListener('click', () => { running?.abort() })
$('verify-now').addEventListener('click', () => {
  void refreshAudit().catch(() => {})
  void refreshVerify().catch(err => { $('verify').textContent = `error: ${err.message}` })
})
$('prompt').addEventListener('keydown', (evt) => { if (evt.key === 'Enter' && (evt.ctrlKey || evt.metaKey)) $('prompt-form').requestSubmit() })

if (token() != null) showMain()
else showLogin()
