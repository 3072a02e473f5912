/**
 * The console in headless Debian Chromium (playwright-core, no browser
 * download), served by alpha, the founder and admin of a three-member mesh
 * that also runs the model: after a real task the charts have data, a task's
 * detail shows its audit trail and a failure's reason, memory ingests and
 * searches real files, models lists what is loaded and adds a file, an
 * invite comes with a QR code and really lets a new node join, the policy
 * in force is listed, a member whose name is HTML is shown as text and is
 * revoked after a confirmation, and at 400 px nothing overflows sideways.
 * Screenshots land in test-output/dashboard/ under the repository
 * (`chromium.ts`).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { assertChromium, openBrowser, screenshot, SCREENSHOT_DIR } from './chromium.ts'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'

/** A member's chosen name is the mesh's to pick: this one is markup that would run if the page parsed it. */
const HOSTILE = '<img src=x onerror=window.__pwned=1><b id=bold>mallory'

async function api<T = any> (node: MycelProcess, path: string, body?: unknown): Promise<{ status: number, body: T }> {
  const res = await fetch(node.api.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${node.api.token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const text = await res.text()
  return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text.split('\n')[0] as string) : text) as T }
}

describe('the console', { timeout: 300_000 }, () => {
  before(assertChromium)

  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let mallory: MycelProcess
  let docs: string
  let secondModel: string
  let browser: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  before(async () => {
    const [mesh, profile, dir] = await Promise.all([modelMesh(h, 1), h.tempDir('mycel-chromium-'), h.tempDir('mycel-console-')])
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    const home = await h.newHome('hostile')
    await h.ok(home, ['join', await h.invite(alpha), '--name', HOSTILE])
    mallory = await h.start(home)
    await waitFor(async () => (await alpha.caps()).some(c => c.name === HOSTILE), { what: 'alpha to hold the hostile member\'s card', timeoutMs: 60_000 })
    docs = join(dir, 'docs')
    await mkdir(docs)
    await writeFile(join(docs, 'rota.md'), 'Rotas for the night shift are posted on Fridays.')
    await writeFile(join(docs, 'canteen.txt'), 'The canteen closes at three.')
    secondModel = join(dir, 'second.gguf')
    await makeTestModel({ out: secondModel, size: 'tiny', seed: 7 })
    const opened = await openBrowser(profile, { width: 1600, height: 1000 }, pageErrors)
    browser = opened.browser
    page = opened.page
    // a CSP violation or a failed module load is a console error, not a page error; a refused
    // request the test makes on purpose (a bad model path) is logged too, and is not one
    page.on('console', msg => {
      if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) pageErrors.push(`${msg.text()} (${msg.location().url})`)
    })
    await page.goto(`${alpha.api.url}/?token=${alpha.api.token}`)
    await page.locator('#members tr').nth(2).waitFor()
  })
  after(async () => { await browser?.close() })

  it('charts load per member, tokens per second and task latency after a task', async () => {
    await page.locator('#model option', { hasText: MODEL }).waitFor({ state: 'attached' })
    await page.selectOption('#kind', 'llm.chat')
    await page.fill('#max-tokens', '32')
    await page.fill('#prompt', 'Count the members of the mesh')
    await page.click('#send')
    await page.locator('#run-status').filter({ hasText: 'done on alpha' }).waitFor({ timeout: 60_000 })
    const peak = async (id: string): Promise<number> => Number(await page.locator(`#${id}`).getAttribute('data-peak'))
    await waitFor(async () => await peak('chart-tokens') > 0 && await peak('chart-latency') > 0, { what: 'the charts to show the task', timeoutMs: 20_000 })
    assert.match(await page.locator('#chart-tokens figcaption').textContent() ?? '', /peak \d+(\.\d+)? tokens\/s/)
    assert.match(await page.locator('#chart-latency figcaption').textContent() ?? '', /[1-9]\d* tasks? finished/)
    for (const id of ['chart-load', 'chart-tokens', 'chart-latency']) assert.equal(await page.locator(`#${id} .plot canvas`).count(), 1, `${id} is drawn`)
    // one load line per member, named as their cards say
    const legend = await page.locator('#chart-load .u-legend').textContent() ?? ''
    for (const name of ['alpha', 'beta', HOSTILE]) assert.ok(legend.includes(name), `the load legend names ${name}: ${legend}`)
    await screenshot(page, 'console-wide.png')
  })

  it('shows a task\'s detail: its records, its audit trail, and why a failed one failed', async () => {
    const ok = (await api<Array<{ taskId: string, state: string }>>(alpha, '/api/tasks')).body.find(t => t.state === 'completed')
    assert.ok(ok != null)
    await page.locator(`#tasks tr[data-task="${ok.taskId}"] button`).click()
    await page.locator('#task-detail dl .state-completed').first().waitFor()
    const trail = await page.locator('#task-audit tr td:nth-child(3)').allTextContents()
    assert.ok(trail.includes('task.received') && trail.includes('task.result'), `the audit trail of the task: ${trail.join(', ')}`)

    // too many tokens for the model: the runtime refuses, and the console says so in its words
    const failed = await api(alpha, '/api/tasks', { kind: 'llm.chat', model: MODEL, local: true, input: { model: MODEL, messages: [{ role: 'user', content: 'hi' }], maxTokens: 1_000_000 } })
    assert.notEqual(failed.status, 200)
    const bad = await waitFor(async () => (await api<Array<{ taskId: string, state: string }>>(alpha, '/api/tasks')).body.find(t => t.state === 'failed'))
    await page.locator(`#tasks tr[data-task="${bad.taskId}"] button`).click()
    const reason = page.locator('#task-detail .reason').first()
    await reason.waitFor()
    assert.match(await reason.textContent() ?? '', /max.?tokens/i)
    assert.match(await page.locator('#task-detail [data-error]').first().textContent() ?? '', /\w+/)
    assert.match(await page.locator(`#tasks tr[data-task="${bad.taskId}"] .state-failed`).getAttribute('title') ?? '', /max.?tokens/i)
  })

  it('ingests files into memory with progress, lists the collection and searches it', async () => {
    await page.fill('#ingest-paths', docs)
    await page.fill('#ingest-collection', 'ops')
    await page.click('#ingest-go')
    await page.locator('#ingest-status').filter({ hasText: 'ops: 2 added' }).waitFor({ timeout: 30_000 })
    assert.equal(await page.locator('#ingest-progress').evaluate((p: HTMLProgressElement) => p.value === p.max && p.max === 2), true)
    const row = page.locator('#collections tr[data-collection="ops"]')
    await row.waitFor()
    assert.match(await row.textContent() ?? '', /^ops2/)
    await page.locator('#search-collection option[value="ops"]').waitFor({ state: 'attached' })
    await page.fill('#search-query', 'night shift rotas')
    await page.selectOption('#search-collection', 'ops')
    await page.click('#search-form button')
    await page.locator('#search-results li').first().waitFor()
    assert.equal(await page.locator('#search-results li').first().getAttribute('data-source'), join(docs, 'rota.md'))
    assert.match(await page.locator('#search-results li .hit').first().textContent() ?? '', /night shift/)
  })

  it('lists the models with the one loaded now, and adds another', async () => {
    // the chat task above loaded the model; it stays for the keep-alive
    await page.locator(`#models tr[data-model="${MODEL}"] [data-loaded]`).waitFor({ timeout: 15_000 })
    assert.match(await page.locator('#models-loaded').textContent() ?? '', new RegExp(`loaded now: ${MODEL}`))
    await page.fill('#model-path', secondModel)
    await page.fill('#model-name', 'second')
    await page.click('#model-add')
    await page.locator('#models-status').filter({ hasText: 'Added second' }).waitFor({ timeout: 30_000 })
    const row = page.locator('#models tr[data-model="second"]')
    await row.waitFor()
    assert.equal(await row.locator('[data-loaded]').count(), 0, 'a model just added is not loaded')
    // the node serves it now: its card offers it to the mesh
    await waitFor(async () => (await beta.caps()).some(c => c.name === 'alpha' && (c.models as Array<{ name: string }>).some(m => m.name === 'second')), { what: 'beta to see the new model on alpha\'s card', timeoutMs: 60_000 })
    // and a bad path is the user's to fix, in one line
    await page.fill('#model-path', join(docs, 'missing.gguf'))
    await page.click('#model-add')
    await page.locator('#models-status.error').waitFor()
  })

  it('creates an invite with a QR code and a key that lets a new node join', async () => {
    await page.fill('#invite-uses', '1')
    await page.click('#invite-form button[type=submit]')
    await page.locator('#invite-result').waitFor({ state: 'visible' })
    const invite = await page.locator('#invite-text').inputValue()
    assert.ok(invite.length > 100, 'the invite text is shown')
    const qr = page.locator('#invite-qr')
    assert.match(await qr.getAttribute('src') ?? '', /^data:image\/svg\+xml;base64,/)
    assert.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR code image rendered')
    await screenshot(page, 'console-invite.png')
    // the key works: a fresh node joins with it
    await h.join(invite, 'delta')
    const newest = (await api<Array<{ inviteId: string, redeemedBy: string[] }>>(alpha, '/api/invites')).body[0]
    assert.equal(newest?.redeemedBy.length, 1, 'alpha recorded the redemption')
    const row = page.locator(`#invites tr[data-invite="${newest.inviteId}"]`)
    await row.waitFor({ timeout: 15_000 })
    await row.locator('td:nth-child(2)', { hasText: 'used' }).waitFor({ timeout: 15_000 })
  })

  it('shows the policy in force', async () => {
    const policy = (await api<{ rules: Array<{ id: string }> }>(alpha, '/api/policy')).body
    assert.ok(policy.rules.length > 0)
    await page.locator('#policy-rules tr').first().waitFor()
    assert.deepEqual(await page.locator('#policy-rules tr').evaluateAll(rows => rows.map(r => (r as HTMLElement).dataset.rule)), policy.rules.map(r => r.id))
    assert.match(await page.locator('#policy-source').textContent() ?? '', /default deny/)
  })

  it('shows a member whose name is HTML as text', async () => {
    const row = page.locator(`#members tr[data-peer="${mallory.peerId}"]`)
    assert.equal(await row.locator('td:first-child strong').textContent(), HOSTILE)
    assert.equal(await page.locator('#main img:not(#invite-qr), #bold, #main b').count(), 0)
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined)
    assert.deepEqual(pageErrors, [])
  })

  it('fits a 400 px wide screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 400, height: 900 })
    // the charts follow their boxes
    await waitFor(async () => await page.evaluate(() => Array.from(document.querySelectorAll('.plot canvas')).every(c => c.getBoundingClientRect().right <= 400)), { what: 'the charts to shrink' })
    const width = await page.evaluate(() => (document.scrollingElement as Element).scrollWidth)
    const wide = await page.evaluate(() => Array.from(document.querySelectorAll('body *')).filter(e => e.closest('.scroll') == null && e.getBoundingClientRect().right > 400).slice(-5).map(e => `${e.tagName}#${e.id}.${e.className}`))
    assert.ok(width <= 400, `the page is ${width} px wide at 400 px: ${wide.join(', ')}`)
    await screenshot(page, 'console-400.png')
    await page.locator('#view-tasks').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'console-400-tasks.png') })
    await page.setViewportSize({ width: 1920, height: 1080 })
    await screenshot(page, 'console-1920.png')
    assert.deepEqual(pageErrors, [])
  })

  it('revokes a member only after confirmation', async () => {
    const revoke = page.locator(`#members button[data-revoke="${mallory.peerId}"]`)
    await revoke.click()
    const dialog = page.locator('#confirm')
    await dialog.waitFor({ state: 'visible' })
    assert.ok((await page.locator('#confirm-message').textContent() ?? '').includes(HOSTILE), 'the question names the member, as text')
    await screenshot(page, 'console-revoke.png')
    const seq = (await alpha.status()).revocationSeq
    await page.click('#confirm-no')
    await dialog.waitFor({ state: 'hidden' })
    assert.equal((await alpha.status()).revocationSeq, seq, 'cancel revokes nothing')

    await revoke.click()
    await page.click('#confirm-yes')
    await page.locator('#members-status').filter({ hasText: 'Revoked' }).waitFor({ timeout: 30_000 })
    assert.ok((await alpha.status()).revocationSeq > seq)
    await waitFor(async () => !(await alpha.peerIds()).includes(mallory.peerId), { what: 'alpha to drop the revoked member', timeoutMs: 30_000 })
    await page.locator(`#members tr[data-peer="${mallory.peerId}"]`).waitFor({ state: 'detached', timeout: 30_000 })
    assert.deepEqual(pageErrors, [])
  })
})
