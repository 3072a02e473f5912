/**
 * The console's Agents view in headless Debian Chromium, served by gamma,
 * which holds the generated bench model; its agent's one tool lives on
 * alpha (a real `@modelcontextprotocol/server-filesystem`). Tool calls are
 * grammar-forced (`tool choice: required`), so the run is deterministic: it
 * goes to its step budget with every call on alpha. The test creates the
 * agent in the page, reaches and starts a run with the keyboard only, watches
 * the trace tree fill and the stop reason, opens the audit trace (the run's
 * tasks, the tool calls sent to alpha), cancels a second run with Escape,
 * runs gamma's agent from alpha's console (the run's peer),
 * checks that a very long run (the page's request answered by the test) keeps
 * its trace bounded and shows markup as text, and removes the agent after a
 * confirmation.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { BrowserContext, Page } from 'playwright-core'
import { assertChromium, openBrowser, screenshot } from './chromium.ts'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { AGENT_MODEL, TOOL, toolMesh } from '../agents/tool-mesh.ts'

/** What a run streams is the model's and the mesh's to choose: this would run if the page parsed it. */
const HOSTILE = '<img src=x onerror=window.__pwned=1><b id=bold>mallory'

interface TraceNode { task: string, kind?: string, role?: string, peer?: string, children: TraceNode[] }

describe('the console\'s agents view', { timeout: 600_000 }, () => {
  before(assertChromium)

  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let gamma: MycelProcess
  let browser: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  before(async () => {
    ({ alpha, gamma } = await toolMesh(h))
    const opened = await openBrowser(await h.tempDir('mycel-chromium-'), { width: 1400, height: 1000 }, pageErrors)
    browser = opened.browser
    page = opened.page
    page.on('console', msg => {
      if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) pageErrors.push(`${msg.text()} (${msg.location().url})`)
    })
    await page.goto(`${gamma.api.url}/?token=${gamma.api.token}`)
    await page.locator(`#agent-model option[value="${AGENT_MODEL}"]`).waitFor({ state: 'attached', timeout: 30_000 })
  })
  after(async () => { await browser?.close() })

  it('creates an agent from the form', async () => {
    await page.locator('#agent-create summary').click()
    await page.fill('#agent-name', 'scout')
    await page.selectOption('#agent-model', AGENT_MODEL)
    await page.fill('#agent-tools', TOOL)
    await page.fill('#agent-max-steps', '3')
    await page.selectOption('#agent-tool-choice', 'required')
    await page.click('#agent-create-go')
    await page.locator('#agent-status').filter({ hasText: 'Created scout' }).waitFor()
    const row = page.locator('#agents tr[data-agent="scout"]')
    await row.waitFor()
    assert.match(await row.textContent() ?? '', /scout.*tiny.*fs\.list_allowed_directories.*3 steps.*forced calls/)
    const profile = await gamma.get<{ name: string, tools: string[], budget: { maxSteps: number }, toolChoice: string }>('/api/agents/scout')
    assert.deepEqual([profile.tools, profile.budget.maxSteps, profile.toolChoice], [[TOOL], 3, 'required'])
  })

  it('reaches and starts a run with the keyboard, and the trace tree fills to the step budget', async () => {
    await page.locator('#run-agent option[value="scout"]').waitFor({ state: 'attached' })
    // from the top of the page, Tab alone reaches the goal field
    await page.locator('body').focus()
    let reached = false
    for (let i = 0; i < 120 && !reached; i++) {
      await page.keyboard.press('Tab')
      reached = await page.evaluate(() => document.activeElement?.id === 'run-goal')
    }
    assert.ok(reached, 'Tab reaches the goal field')
    assert.equal(await page.locator('#run-agent').inputValue(), 'scout')
    await page.keyboard.type('Which folders can you read?')
    await page.keyboard.press('Enter')

    await page.locator('#run-trace li[data-event="final"]').waitFor({ timeout: 240_000 })
    assert.equal(await page.locator('#run-stop').textContent(), 'steps')
    assert.equal(await page.locator('#run-trace > li[data-event="step"]').count(), 3)
    const results = page.locator('#run-trace li[data-event="tool_result"]')
    assert.equal(await results.count(), 3)
    for (const r of await results.all()) {
      assert.equal(await r.getAttribute('data-node'), alpha.peerId, 'the tool ran on alpha')
      assert.match(await r.textContent() ?? '', /result from fs\.list_allowed_directories on alpha · \d+ chars · [0-9a-f]{12}/)
    }
    assert.equal(await page.locator('#run-trace li[data-event="tool_call"]').count(), 3)
    assert.match(await page.locator('#run-trace li[data-event="tool_call"]').first().textContent() ?? '', /call fs\.list_allowed_directories args [0-9a-f]{12}/)
    assert.match(await page.locator('#run-steps').textContent() ?? '', /steps 3 \/ 3/)
    assert.match(await page.locator('#run-tokens').textContent() ?? '', /tokens [1-9]\d* \/ 16384/)
    assert.match(await page.locator('#run-status-line').textContent() ?? '', /done on gamma: stopped at steps/)
    await screenshot(page, 'agents-run.png')
  })

  it('opens the audit trace of the finished run: its tool calls sent to alpha', async () => {
    const taskId = await page.locator('#run-view').getAttribute('data-task')
    assert.match(taskId ?? '', /^[0-9a-f]{32}$/)
    await page.locator('#run-audit-open').focus()
    await page.keyboard.press('Enter')
    const root = page.locator(`#run-audit-tree > li[data-task="${taskId}"]`)
    await root.waitFor()
    assert.equal(await root.getAttribute('data-kind'), 'agent.run')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'run-audit-tree', 'the opened tree takes the focus')
    const tools = root.locator('li[data-kind="tool.call"][data-role="sent"]')
    assert.equal(await tools.count(), 3)
    assert.match(await tools.first().textContent() ?? '', /tool\.call sent to alpha/)
    // the page shows what the node's trace holds
    const tree = await gamma.get<TraceNode>(`/api/audit/trace/${taskId}`)
    assert.equal(await root.locator('li').count(), tree.children.length + tree.children.reduce((n, c) => n + count(c), 0))
    assert.deepEqual(pageErrors, [])
  })

  it('cancels a running run with Escape', async () => {
    await page.locator('#run-goal').focus()
    await page.keyboard.type('List them again')
    await page.keyboard.press('Enter')
    await page.locator('#run-trace li[data-event="step"]').first().waitFor({ timeout: 60_000 })
    await page.keyboard.press('Escape')
    await page.locator('#run-status-line').filter({ hasText: 'canceled' }).waitFor({ timeout: 60_000 })
    assert.equal(await page.locator('#run-trace li[data-event="final"]').count(), 0, 'a canceled run has no final event')
    const taskId = await page.locator('#run-view').getAttribute('data-task')
    const tasks = await gamma.get<Array<{ taskId: string, state: string }>>('/api/tasks')
    await waitFor(async () => (await gamma.get<Array<{ taskId: string, state: string }>>('/api/tasks')).filter(t => t.taskId === taskId).every(t => t.state === 'canceled'), { what: 'the run\'s task to be canceled', timeoutMs: 30_000 })
    assert.ok(tasks.some(t => t.taskId === taskId))
    assert.equal(await page.locator('#run-start').isDisabled(), false, 'a new run may start')
  })

  it('runs a member\'s agent from another member\'s console', async () => {
    // gamma lets members run its agents, alpha lets its requests out; alpha's console lists gamma's from its card
    for (const n of [gamma, alpha]) {
      const allow = await h.cli(n.home, ['policy', 'allow', '--group', 'members', '--kind', 'agent.run'])
      assert.equal(allow.code, 0, allow.stderr)
    }
    await waitFor(async () => (await alpha.caps()).some(c => c.peerId === gamma.peerId && (c.agents as Array<{ name: string }> | undefined)?.some(a => a.name === 'scout') === true), { timeoutMs: 60_000, what: 'gamma\'s card listing scout in alpha\'s view' })
    const other = await browser.newPage()
    other.on('pageerror', err => { pageErrors.push(err.message) })
    try {
      await other.goto(`${alpha.api.url}/?token=${alpha.api.token}`)
      await other.locator(`#run-peer option[value="${gamma.peerId}"]`).waitFor({ state: 'attached', timeout: 30_000 })
      await other.selectOption('#run-peer', gamma.peerId)
      assert.equal(await other.locator('#run-agent').inputValue(), 'scout')
      await other.fill('#run-goal', 'Which folders can you read?')
      await other.press('#run-goal', 'Enter')
      await other.waitForFunction(() => /^(done|error|canceled)/.test(document.getElementById('run-status-line')?.textContent ?? ''), undefined, { timeout: 180_000 })
      assert.match(await other.locator('#run-status-line').textContent() ?? '', /done on gamma: stopped at steps/)
      assert.equal(await other.locator('#run-trace li[data-event="start"]').textContent(), 'scout started on gamma')
      assert.equal(await other.locator('#run-stop').textContent(), 'steps')
      assert.match(await other.locator('#run-steps').textContent() ?? '', /steps 3 \/ 3/)
      // alpha holds the run it sent to gamma, not the tasks gamma issued for it
      await other.click('#run-audit-open')
      const root = other.locator('#run-audit-tree > li').first()
      await root.waitFor()
      assert.match(await root.textContent() ?? '', /agent\.run sent to gamma/)
    } finally {
      await other.close()
    }
  })

  it('keeps a long run\'s trace bounded and shows hostile names as text', async () => {
    // the page's own request answered with a run far longer than a real one, whose tool name is markup
    const lines: unknown[] = [{ type: 'routed', taskId: 'f'.repeat(32), executor: gamma.peerId, attempt: 1 }]
    const text = (e: unknown): void => { lines.push({ type: 'text', text: `${JSON.stringify(e)}\n` }) }
    text({ event: 'start', agent: 'scout', node: gamma.peerId, budget: { maxSteps: 1000, maxTokens: 100000, timeoutMs: 60000 } })
    for (let step = 1; step <= 1000; step++) {
      text({ event: 'step', step, tokens: step * 10 })
      text({ event: 'tool_call', step, tool: HOSTILE, args: 'a'.repeat(64) })
      text({ event: 'tool_result', step, tool: HOSTILE, node: alpha.peerId, digest: 'b'.repeat(64), size: 12, isError: false })
    }
    text({ event: 'delegation', step: 1000, kind: 'agent.run', peer: alpha.peerId, agent: 'helper' })
    text({ event: 'refused', step: 1000, tool: 'fs.nope', reason: 'unknown-tool' })
    text({ event: 'final', steps: 1000, stop: 'steps', tokens: 10000, digest: 'c'.repeat(64) })
    lines.push({ type: 'result', taskId: 'f'.repeat(32), executor: gamma.peerId, output: { agent: 'scout', answer: HOSTILE, stop: 'steps', steps: 1000 }, attempts: 1 })
    await page.route('**/api/tasks', async route => {
      if (route.request().method() !== 'POST') { await route.continue(); return }
      await route.fulfill({ status: 200, contentType: 'application/x-ndjson', body: lines.map(l => JSON.stringify(l)).join('\n') + '\n' })
    })
    try {
      await page.fill('#run-goal', 'a long one')
      await page.press('#run-goal', 'Enter')
      await page.locator('#run-trace li[data-event="final"]').waitFor()
    } finally {
      await page.unroute('**/api/tasks')
    }
    assert.equal(await page.locator('#run-trace > li[data-event="step"]').count(), 200, 'the page keeps the last 200 steps')
    assert.equal(await page.locator('#run-trace > li.elided').textContent(), '800 earlier steps not shown')
    assert.equal(await page.locator('#run-trace > li[data-event="step"]').first().getAttribute('data-step'), '801')
    assert.match(await page.locator('#run-steps').textContent() ?? '', /steps 1000 \/ 1000/)
    const last = page.locator('#run-trace > li[data-step="1000"]')
    assert.equal(await last.locator('li[data-event="delegation"]').textContent(), 'delegated agent.run to alpha (agent helper)')
    assert.equal(await last.locator('li[data-event="refused"]').textContent(), 'refused fs.nope: unknown-tool')
    assert.equal(await page.locator('#run-answer').textContent(), HOSTILE)
    assert.equal(await page.locator('#run-trace code').first().textContent(), HOSTILE)
    assert.equal(await page.locator('#view-agents img, #bold').count(), 0)
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined)
  })

  it('removes the agent after a confirmation', async () => {
    await page.click('#agents button[data-remove="scout"]')
    await page.locator('#confirm').waitFor({ state: 'visible' })
    await page.click('#confirm-yes')
    await page.locator('#agents tr[data-agent="scout"]').waitFor({ state: 'detached' })
    assert.deepEqual(await gamma.get<unknown[]>('/api/agents'), [])
    assert.deepEqual(pageErrors, [])
  })
})

function count (n: TraceNode): number { return n.children.length + n.children.reduce((s, c) => s + count(c), 0) }
