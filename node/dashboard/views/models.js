// The models registered in this node's home, which are loaded now, and
// registering another GGUF file the node can read.
import { api } from '../lib/api.js'
import { $, bytes, el, say } from '../lib/dom.js'

function params (n) {
  return typeof n !== 'number' ? '—' : n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n)
}

export async function refreshModels () {
  const list = await api('/api/models')
  $('models').replaceChildren(...list.map(m => el('tr', { model: m.name },
    el('td', {}, el('strong', {}, m.name), m.loaded ? el('span', { class: 'badge ok', loaded: 'true' }, 'loaded') : ''),
    el('td', {}, m.architecture),
    el('td', {}, m.quantisation),
    el('td', {}, params(m.parameterCount)),
    el('td', {}, m.contextLength),
    el('td', {}, bytes(m.sizeBytes)),
    el('td', { class: 'mono small', title: `${m.sha256}\n${m.path}` }, m.sha256.slice(0, 12)))))
  $('models-empty').hidden = list.length > 0
  const loaded = list.filter(m => m.loaded).map(m => m.name)
  $('models-loaded').textContent = loaded.length > 0 ? `loaded now: ${loaded.join(', ')}` : 'none loaded now'
}

async function add (evt) {
  evt.preventDefault()
  const path = $('model-path').value.trim()
  if (path === '') return
  const name = $('model-name').value.trim() || undefined
  const status = $('models-status')
  $('model-add').disabled = true
  say(status, 'hashing…')
  try {
    const m = await api('/api/models', { method: 'POST', json: { path, ...(name != null ? { name } : {}) } })
    say(status, `Added ${m.name}: ${m.architecture} ${m.quantisation}, sha256 ${m.sha256.slice(0, 12)}…; members see it with the next card.`)
    $('model-path').value = ''
    $('model-name').value = ''
    await refreshModels()
  } catch (err) {
    say(status, err.message, true)
  } finally {
    $('model-add').disabled = false
  }
}

export function setupModels () {
  $('model-form').addEventListener('submit', (evt) => { void add(evt) })
}
