// One agent run in the console: its events (JSON Lines in the task's text
// events) grow a trace tree as they stream, its budget use against the
// limits the run started with, cancel, and, once it ended, the audit trace
// of the tasks it issued across the mesh (GET /api/audit/trace/:id).
// Everything a run says is untrusted (the model chose it), so it only ever
// becomes text nodes; the tree keeps at most MAX_STEPS_SHOWN steps on the
// page and draws once a frame, so a long run cannot freeze the page.
import { api, ndjsonLines, Unauthorized } from '../lib/api.js'
import { $, duration, el, plural, short } from '../lib/dom.js'
import { nameOf } from '../lib/state.js'

const MAX_STEPS_SHOWN = 200
const MAX_ITEMS_PER_STEP = 64
const MAX_ANSWER_CHARS = 8192
const MAX_TRACE_NODES = 500
const TIME_TICK_MS = 250

let run = null

export function isRunning () { return run != null }

const digest = (hex) => typeof hex === 'string' ? hex.slice(0, 12) : '—'

/** The run's view state, reset for each run. */
function freshRun (spec) {
  return { spec, taskId: null, abort: new AbortController(), budget: null, steps: 0, tokens: 0, startedAt: Date.now(), endedAt: null, stop: null, queue: [], frame: 0, hidden: 0, buf: '', tick: 0 }
}

export async function startRun (spec, onUnauthorized) {
  run = freshRun(spec)
  const r = run
  $('run-trace').replaceChildren()
  $('run-answer').hidden = true
  $('run-audit').replaceChildren()
  $('run-audit-open').hidden = true
  $('run-cancel').disabled = false
  status('routing…')
  drawBudget(r)
  r.tick = setInterval(() => { drawBudget(r) }, TIME_TICK_MS)
  const body = { kind: 'agent.run', input: { agent: spec.agent, goal: spec.goal }, ...(spec.peer != null ? { peer: spec.peer } : { local: true }) }
  try {
    const res = await api('/api/tasks', { method: 'POST', json: body, signal: r.abort.signal, raw: true })
    for await (const e of ndjsonLines(res)) onTaskEvent(r, e)
  } catch (err) {
    if (err.name === 'AbortError') ended(r, 'canceled', true)
    else if (err instanceof Unauthorized) onUnauthorized(err)
    else ended(r, `error: ${err.message}`, true)
  } finally {
    clearInterval(r.tick)
    flush(r)
    r.endedAt ??= Date.now()
    drawBudget(r)
    $('run-cancel').disabled = true
    if (r.taskId != null) $('run-audit-open').hidden = false
    if (run === r) run = null
  }
}

/** Asks the node to cancel the run's task (the whole tree stops); before the task has an id, drops the request. */
export async function cancelRun () {
  const r = run
  if (r == null) return
  $('run-cancel').disabled = true
  status('canceling…')
  if (r.taskId == null) { r.abort.abort(); return }
  try {
    await api(`/api/tasks/${r.taskId}/cancel`, { method: 'POST' })
  } catch {
    r.abort.abort()
  }
}

function onTaskEvent (r, e) {
  if (e.type === 'routed') {
    r.taskId = e.taskId
    $('run-view').dataset.task = e.taskId
    status(`running on ${nameOf(e.executor)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}…`)
  } else if (e.type === 'text') {
    // one event a line; a line may in principle arrive in pieces
    r.buf += e.text
    let nl
    while ((nl = r.buf.indexOf('\n')) >= 0) {
      const line = r.buf.slice(0, nl).trim()
      r.buf = r.buf.slice(nl + 1)
      if (line === '') continue
      try { enqueue(r, JSON.parse(line)) } catch {}
    }
  } else if (e.type === 'reset') {
    // a failover restarts the run on another executor: its trace starts over
    r.queue = []; r.buf = ''; r.hidden = 0; r.steps = 0; r.tokens = 0
    $('run-trace').replaceChildren()
  } else if (e.type === 'failover') {
    status(`${nameOf(e.from)} failed; failing over…`)
  } else if (e.type === 'result') {
    const out = e.output ?? {}
    r.taskId = e.taskId
    if (typeof out.answer === 'string') {
      $('run-answer').textContent = out.answer.length > MAX_ANSWER_CHARS ? `${out.answer.slice(0, MAX_ANSWER_CHARS)}…` : out.answer
      $('run-answer').hidden = false
    }
    if (e.usage != null) r.tokens = e.usage.promptTokens + e.usage.completionTokens
    r.stop ??= typeof out.stop === 'string' ? out.stop : null
    ended(r, `done on ${nameOf(e.executor)}: stopped at ${r.stop ?? '?'}`)
  } else if (e.type === 'error') {
    const code = e.error?.code ?? 'failed'
    ended(r, code === 'canceled' ? 'canceled' : `error: ${e.error?.message ?? 'the run failed'}`, true)
  }
}

function ended (r, text, isError = false) {
  r.endedAt = Date.now()
  $('run-stop').textContent = r.stop ?? (isError ? text : '—')
  $('run-stop').dataset.stop = r.stop ?? (text === 'canceled' ? 'canceled' : 'error')
  status(text, isError)
}

function status (text, isError = false) {
  $('run-status-line').textContent = text
  $('run-status-line').classList.toggle('error', isError)
}

function enqueue (r, e) {
  if (typeof e?.event !== 'string') return
  if (e.event === 'start' && e.budget != null) r.budget = e.budget
  if (e.event === 'step') { r.steps = e.step; r.tokens = e.tokens }
  if (e.event === 'final') { r.steps = e.steps; r.tokens = e.tokens; r.stop = e.stop }
  r.queue.push(e)
  r.frame ||= requestAnimationFrame(() => { flush(r) })
}

/** Draws the queued events: one DOM update a frame, however fast they come. */
function flush (r) {
  if (r.frame) cancelAnimationFrame(r.frame)
  r.frame = 0
  const tree = $('run-trace')
  for (const e of r.queue.splice(0)) draw(r, tree, e)
  // the oldest steps leave the page first; the count says how many
  const steps = tree.querySelectorAll(':scope > li[data-event="step"]')
  for (let i = 0; i < steps.length - MAX_STEPS_SHOWN; i++) { steps[i].remove(); r.hidden++ }
  if (r.hidden > 0) {
    const note = tree.querySelector(':scope > li.elided') ?? el('li', { class: 'elided muted small' })
    note.textContent = `${plural(r.hidden, 'earlier step', 'earlier steps')} not shown`
    tree.prepend(note)
  }
  drawBudget(r)
}

function draw (r, tree, e) {
  if (e.event === 'start') {
    tree.append(el('li', { event: 'start' }, `${e.agent} started on ${nameOf(e.node)}`))
  } else if (e.event === 'step') {
    tree.append(el('li', { event: 'step', step: String(e.step) }, el('span', { class: 'step-head' }, `Step ${e.step}`, el('span', { class: 'muted small' }, ` · ${e.tokens} tokens so far`)), el('ul', {})))
  } else if (e.event === 'final') {
    tree.append(el('li', { event: 'final', stop: e.stop }, el('strong', {}, `Stopped: ${e.stop}`), el('span', { class: 'muted small' }, ` after ${plural(e.steps, 'step', 'steps')}, ${e.tokens} tokens, answer ${digest(e.digest)}`)))
  } else {
    const item = stepItem(e)
    if (item == null) return
    const steps = tree.querySelectorAll(`:scope > li[data-step="${Number(e.step)}"] > ul`)
    const ul = steps[steps.length - 1]
    if (ul == null) { tree.append(el('li', {}, el('ul', {}, item))); return }
    if (ul.children.length < MAX_ITEMS_PER_STEP) ul.append(item)
    else if (ul.children.length === MAX_ITEMS_PER_STEP) ul.append(el('li', { class: 'elided muted small' }, 'more events in this step not shown'))
  }
}

function stepItem (e) {
  if (e.event === 'tool_call') {
    return el('li', { event: 'tool_call', tool: e.tool }, 'call ', el('code', {}, e.tool), el('span', { class: 'muted small' }, ` args ${digest(e.args)}`))
  }
  if (e.event === 'tool_result') {
    return el('li', { event: 'tool_result', tool: e.tool, node: e.node, class: e.isError ? 'error' : null },
      e.isError ? 'error from ' : 'result from ', el('code', {}, e.tool), ' on ', el('strong', { title: e.node }, nameOf(e.node)),
      el('span', { class: 'muted small' }, ` · ${e.size} chars · ${digest(e.digest)}${e.code != null ? ` · ${e.code}` : ''}`))
  }
  if (e.event === 'delegation') {
    return el('li', { event: 'delegation', peer: e.peer }, `delegated ${e.kind} to `, el('strong', { title: e.peer }, nameOf(e.peer)),
      e.agent != null ? ` (agent ${e.agent})` : '', e.model != null ? ` (model ${e.model})` : '')
  }
  if (e.event === 'refused') {
    return el('li', { event: 'refused', class: 'error' }, 'refused ', el('code', {}, e.tool), `: ${e.reason}`)
  }
  return null
}

function meter (id, label, used, max, text) {
  const m = $(id)
  const bar = m.querySelector('progress') ?? el('progress', {})
  const caption = m.querySelector('span') ?? el('span', { class: 'small' })
  bar.max = max ?? 1
  bar.value = max != null ? Math.min(used, max) : 0
  caption.textContent = `${label} ${text}`
  m.replaceChildren(caption, bar)
  m.dataset.used = String(used)
}

function drawBudget (r) {
  const b = r.budget
  const elapsed = (r.endedAt ?? Date.now()) - r.startedAt
  meter('run-steps', 'steps', r.steps, b?.maxSteps, `${r.steps} / ${b?.maxSteps ?? '?'}`)
  meter('run-tokens', 'tokens', r.tokens, b?.maxTokens, `${r.tokens} / ${b?.maxTokens ?? '?'}`)
  meter('run-time', 'time', elapsed, b?.timeoutMs, `${duration(elapsed)} / ${b != null ? duration(b.timeoutMs) : '?'}`)
}

/** The audit trace tree of the last run: the tasks it issued, here and on other members. */
export async function showAuditTrace (taskId) {
  const box = $('run-audit')
  box.replaceChildren(el('p', { class: 'muted small' }, 'reading the audit log…'))
  try {
    const tree = await api(`/api/audit/trace/${taskId}`)
    let budget = MAX_TRACE_NODES
    const node = (n) => {
      budget--
      const who = n.role === 'sent' ? `sent to ${nameOf(n.peer)}` : n.role === 'received' ? `from ${nameOf(n.peer)}` : n.role === 'local' ? 'here' : 'not held here'
      const chain = n.depth != null ? ` · depth ${n.depth}${n.agent != null ? ` · agent ${short(n.agent)}` : ''}` : ''
      const kids = []
      for (const c of n.children ?? []) { if (budget <= 0) break; kids.push(node(c)) }
      return el('li', { task: n.task, kind: n.kind ?? '', role: n.role ?? '' },
        el('span', { class: 'mono small', title: n.task }, n.task.slice(0, 8)), ' ', el('strong', {}, n.kind ?? '?'), ` ${who}${chain} `,
        el('span', { class: `state state-${String(n.state ?? 'unknown').split(' ')[0]}` }, n.state ?? 'unknown'),
        kids.length > 0 ? el('ul', {}, ...kids) : '')
    }
    const list = el('ul', { class: 'tree', id: 'run-audit-tree', title: 'Audit trace' }, node(tree))
    // focusable, so the keyboard can scroll it and lands on it
    list.tabIndex = 0
    box.replaceChildren(list)
    list.focus()
  } catch (err) {
    box.replaceChildren(el('p', { class: 'error' }, `audit trace: ${err.message}`))
  }
}

export function setupAgentRun () {
  $('run-audit-open').addEventListener('click', () => {
    const id = $('run-view').dataset.task
    if (id != null) void showAuditTrace(id)
  })
}
