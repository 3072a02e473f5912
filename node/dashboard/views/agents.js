// Agent profiles on this node (list, create, remove) and the form that starts
// a run: `agent.run` through POST /api/tasks, here or on a member whose card
// lists the agent. The run's trace is views/agent-run.js's.
import { api, Unauthorized } from '../lib/api.js'
import { $, button, confirmDialog, duration, el, say, syncOptions } from '../lib/dom.js'
import { state } from '../lib/state.js'
import { cancelRun, isRunning, startRun } from './agent-run.js'

let local = []

export async function refreshAgents () {
  local = await api('/api/agents')
  const rows = local.map(a => el('tr', { agent: a.name },
    el('td', {}, el('strong', {}, a.name), a.description != null ? el('div', { class: 'muted small' }, a.description) : ''),
    el('td', {}, a.model),
    el('td', { class: 'small' }, a.tools.length > 0 ? a.tools.join(', ') : '—'),
    el('td', { class: 'small' }, `${a.budget.maxSteps} steps · ${a.budget.maxTokens} tokens · ${duration(a.budget.timeoutMs)}`),
    el('td', { class: 'small' }, [a.toolChoice === 'required' ? 'forced calls' : '', a.quarantine ? 'quarantine' : ''].filter(Boolean).join(' · ')),
    el('td', {}, button('remove', () => { void removeAgent(a.name) }, { class: 'link danger', remove: a.name, title: `Remove ${a.name}` }))))
  $('agents').replaceChildren(...rows)
  $('agents-empty').hidden = local.length > 0
  fillRunSelects()
}

/** Models of the mesh for the profile form; members with agents, and their agents, for the run form. */
export function fillRunSelects () {
  const models = [...new Set(state.caps.flatMap(c => (c.models ?? []).map(m => m.name)))].sort()
  syncOptions($('agent-model'), models.map(m => [m, m]))
  const remote = state.caps.filter(c => !c.self && c.peerId !== state.self && (c.agents ?? []).length > 0)
  syncOptions($('run-peer'), [['', 'this node'], ...remote.map(c => [c.peerId, c.name])])
  const peer = $('run-peer').value
  const names = peer === '' ? local.map(a => a.name) : (state.caps.find(c => c.peerId === peer)?.agents ?? []).map(a => a.name)
  syncOptions($('run-agent'), names.map(n => [n, n]))
  $('run-start').disabled = isRunning() || names.length === 0
}

const list = (text) => text.split(/[\s,]+/).filter(s => s !== '')
const num = (id) => { const v = Number($(id).value); return Number.isInteger(v) && v > 0 ? v : undefined }

async function createAgent (evt) {
  evt.preventDefault()
  const status = $('agent-status')
  const name = $('agent-name').value.trim()
  if (name === '') { say(status, 'An agent needs a name.', true); return }
  if ($('agent-model').value === '') { say(status, 'No member offers a model.', true); return }
  const timeout = num('agent-timeout')
  const spec = {
    name,
    model: $('agent-model').value,
    ...($('agent-system').value.trim() !== '' ? { system: $('agent-system').value } : {}),
    tools: list($('agent-tools').value),
    maxSteps: num('agent-max-steps'),
    maxTokens: num('agent-max-tokens'),
    ...(timeout != null ? { timeoutMs: timeout * 1000 } : {}),
    toolChoice: $('agent-tool-choice').value,
    quarantine: $('agent-quarantine').checked
  }
  try {
    await api('/api/agents', { method: 'POST', json: spec })
    say(status, `Created ${name}.`)
    $('agent-form').reset()
    await refreshAgents()
    $('run-agent').value = name
  } catch (err) {
    if (err instanceof Unauthorized) throw err
    say(status, `error: ${err.message}`, true)
  }
}

async function removeAgent (name) {
  const yes = await confirmDialog({ title: `Remove agent ${name}?`, message: `The profile and key of ${name} are deleted from this node. Runs already recorded stay in the audit log.`, yes: 'Remove' })
  if (!yes) return
  try {
    await api(`/api/agents/${encodeURIComponent(name)}`, { method: 'DELETE' })
    say($('agent-status'), `Removed ${name}.`)
    await refreshAgents()
  } catch (err) {
    say($('agent-status'), `error: ${err.message}`, true)
  }
}

function submitRun (evt, onUnauthorized) {
  evt.preventDefault()
  const agent = $('run-agent').value
  const goal = $('run-goal').value.trim()
  if (agent === '' || goal === '' || isRunning()) return
  const peer = $('run-peer').value
  $('run-start').disabled = true
  void startRun({ agent, goal, peer: peer === '' ? undefined : peer }, onUnauthorized).finally(fillRunSelects)
}

export function setupAgents (onUnauthorized) {
  $('agent-form').addEventListener('submit', (evt) => {
    createAgent(evt).catch(err => { if (err instanceof Unauthorized) onUnauthorized(err) })
  })
  $('run-peer').addEventListener('change', fillRunSelects)
  $('agent-run-form').addEventListener('submit', (evt) => { submitRun(evt, onUnauthorized) })
  $('run-cancel').addEventListener('click', () => { void cancelRun() })
  // Escape anywhere in the agents view stops the run in flight (a dialog's own Escape closes only the dialog)
  $('view-agents').addEventListener('keydown', (evt) => {
    if (evt.key === 'Escape' && isRunning()) { evt.preventDefault(); void cancelRun() }
  })
}
