// The prompt box: POST /api/tasks streams NDJSON events (routed, text, result or error).
import { api, ndjsonLines, Unauthorized } from '../lib/api.js'
import { $, syncOptions } from '../lib/dom.js'
import { nameOf, state } from '../lib/state.js'

let running = null

export function fillAskSelects () {
  const models = [...new Set(state.caps.flatMap(c => (c.models ?? []).map(m => m.name)))].sort()
  syncOptions($('model'), models.map(m => [m, m]))
  syncOptions($('peer'), [['', 'any (mesh picks)'], ...state.caps.map(c => [c.peerId, `${c.name}${c.self ? ' (this node)' : ''}`])])
}

async function send (evt, onUnauthorized) {
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
    const res = await api('/api/tasks', { method: 'POST', json: body, signal: running.signal, raw: true })
    for await (const e of ndjsonLines(res)) onTaskEvent(e)
  } catch (err) {
    if (err.name === 'AbortError') $('run-status').textContent = 'stopped'
    else if (err instanceof Unauthorized) onUnauthorized(err)
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
  $('run-status').textContent = `error: ${err.message}`
  $('answer').classList.add('error')
}

export function setupAsk (onUnauthorized) {
  $('prompt-form').addEventListener('submit', (evt) => { void send(evt, onUnauthorized) })
  $('stop').addEventListener('click', () => { running?.abort() })
  $('prompt').addEventListener('keydown', (evt) => { if (evt.key === 'Enter' && (evt.ctrlKey || evt.metaKey)) $('prompt-form').requestSubmit() })
}
