// This node's memory: its collections with their data classes, a search
// over them, and ingesting files the node can read, with progress as it goes.
import { api, ndjsonLines } from '../lib/api.js'
import { $, el, say, syncOptions } from '../lib/dom.js'

export async function refreshMemory () {
  let list
  try {
    list = await api('/api/memory/collections')
  } catch (err) {
    say($('memory-status'), err.message, true)
    return
  }
  $('collections').replaceChildren(...list.map(c => el('tr', { collection: c.name },
    el('td', {}, el('strong', {}, c.name)),
    el('td', {}, c.documents),
    el('td', {}, c.chunks),
    el('td', {}, c.vectors),
    el('td', {}, el('span', { class: `badge class-${c.classification}` }, c.classification)))))
  $('collections-empty').hidden = list.length > 0
  syncOptions($('search-collection'), [['', 'all collections'], ...list.map(c => [c.name, c.name])])
}

async function search (evt) {
  evt.preventDefault()
  const query = $('search-query').value.trim()
  if (query === '') return
  const collection = $('search-collection').value || undefined
  const status = $('memory-status')
  say(status, 'searching…')
  try {
    const hits = await api('/api/memory/search', { method: 'POST', json: { query, k: 5, ...(collection != null ? { collection } : {}) } })
    $('search-results').replaceChildren(...hits.map(h => el('li', { source: h.source },
      el('div', { class: 'small muted' }, `${h.collection} · ${h.source} · score ${Number(h.score).toFixed(3)}`),
      el('div', { class: 'hit' }, h.text))))
    say(status, hits.length === 0 ? 'No matches.' : `${hits.length} match${hits.length === 1 ? '' : 'es'}`)
  } catch (err) {
    say(status, err.message, true)
  }
}

async function ingest (evt) {
  evt.preventDefault()
  const paths = $('ingest-paths').value.split('\n').map(s => s.trim()).filter(s => s !== '')
  if (paths.length === 0) return
  const collection = $('ingest-collection').value.trim() || undefined
  const bar = $('ingest-progress')
  const status = $('ingest-status')
  bar.hidden = false
  bar.value = 0
  bar.max = 1
  $('ingest-go').disabled = true
  say(status, 'reading…')
  try {
    const res = await api('/api/memory/ingest', { method: 'POST', json: { paths, ...(collection != null ? { collection } : {}) }, raw: true })
    for await (const e of ndjsonLines(res)) {
      if (e.type === 'progress') {
        bar.max = Math.max(1, e.total)
        bar.value = e.done
        say(status, `${e.done} of ${e.total} files${e.path != null ? ` · ${e.path}` : ''}`)
      } else if (e.type === 'result') {
        bar.value = bar.max
        say(status, `${e.collection}: ${e.added?.length ?? 0} added, ${e.updated?.length ?? 0} updated, ${e.unchanged?.length ?? 0} unchanged, ${e.skipped?.length ?? 0} skipped (${e.chunks ?? 0} chunks written)`)
      } else if (e.type === 'error') {
        say(status, e.error?.message ?? 'Ingest failed', true)
      }
    }
    await refreshMemory()
  } catch (err) {
    say(status, err.message, true)
  } finally {
    $('ingest-go').disabled = false
  }
}

export function setupMemory () {
  $('search-form').addEventListener('submit', (evt) => { void search(evt) })
  $('ingest-form').addEventListener('submit', (evt) => { void ingest(evt) })
}
