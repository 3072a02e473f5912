// Mycel's console: plain browser JavaScript modules, no framework, no build
// step, no CDN (uPlot is served by the node from its own dependencies).
// Everything from the API is shown with textContent (lib/dom.js), so names,
// reasons, prompts and outputs cannot inject markup. Each view lives in
// views/; this file logs in and keeps the views fresh.
import { forgetToken, setToken, takeTokenFromUrl, token, Unauthorized } from './lib/api.js'
import { $ } from './lib/dom.js'
import { refreshMembers, refreshStatus } from './views/members.js'
import { fillAskSelects, setupAsk } from './views/ask.js'
import { fillChatSelects, refreshSessions, setupChat } from './views/chat.js'
import { refreshTasks } from './views/tasks.js'
import { refreshAudit, refreshVerify, setupAudit } from './views/audit.js'
import { refreshCharts, setupCharts } from './views/charts.js'
import { refreshMemory, setupMemory } from './views/memory.js'
import { refreshModels, setupModels } from './views/models.js'
import { refreshInvites, setupInvites } from './views/invites.js'
import { refreshPolicy } from './views/policy.js'
import { refreshAgents, setupAgents } from './views/agents.js'
import { setupAgentRun } from './views/agent-run.js'

takeTokenFromUrl()

const timers = []

/** Runs `fn` now and every `ms`; a refused token sends the user back to the login box. */
function every (ms, fn, where) {
  const tick = async () => {
    try {
      await fn()
      if (where != null) $(where).classList.remove('error')
    } catch (err) {
      if (err instanceof Unauthorized) { showLogin(err.message); return }
      const line = $(where ?? 'node')
      line.textContent = `error: ${err.message}`
      line.classList.add('error')
    }
  }
  void tick()
  timers.push(setInterval(tick, ms))
}

function showLogin (message = '') {
  for (const t of timers.splice(0)) clearInterval(t)
  forgetToken()
  $('main').hidden = true
  $('nav').hidden = true
  $('forget').hidden = true
  $('login').hidden = false
  $('login-error').textContent = message
  $('node').textContent = 'not connected'
  $('token').focus()
}

function showMain () {
  $('login').hidden = true
  $('main').hidden = false
  $('nav').hidden = false
  $('forget').hidden = false
  // the status says whether this node is an admin, which the members and invites views need
  every(3000, async () => { await refreshStatus(); await refreshMembers(); fillAskSelects(); fillChatSelects() })
  every(10000, refreshSessions, 'chat-status')
  every(2000, refreshCharts, 'charts-status')
  every(1000, refreshTasks)
  every(3000, refreshAudit)
  every(15000, refreshVerify)
  every(5000, refreshMemory)
  every(5000, refreshModels, 'models-status')
  every(10000, async () => { await refreshStatus(); await refreshInvites() }, 'invite-status')
  every(15000, refreshPolicy, 'policy-source')
  every(5000, refreshAgents, 'agent-status')
}

$('login-form').addEventListener('submit', (evt) => {
  evt.preventDefault()
  const t = $('token').value.trim()
  if (t === '') return
  setToken(t)
  $('token').value = ''
  showMain()
})
$('forget').addEventListener('click', () => { showLogin() })
setupCharts()
setupAsk(err => { showLogin(err.message) })
setupChat(err => { showLogin(err.message) })
setupAudit()
setupMemory()
setupModels()
setupInvites()
setupAgents(err => { showLogin(err.message) })
setupAgentRun()

if (token() != null) showMain()
else showLogin()
