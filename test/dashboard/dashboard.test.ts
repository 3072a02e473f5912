/**
 * The dashboard in headless Debian Chromium (driven by playwright-core; no
 * browser is downloaded): served at `/` by gamma of a three-node mesh, it
 * lists the members, streams an answer to a prompt, shows tasks and the
 * audit verdict, and shows hostile text as text.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { BrowserContext, Page } from 'playwright-core'
import { assertChromium, openBrowser, screenshot } from './chromium.ts'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'


/** Starts recording each change to the answer box: how many updates, and its length at each callback. */
async function watchAnswer (page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any
    w.__growth?.observer.disconnect()
    const growth = { updates: 0, lengths: [] as number[], observer: undefined as MutationObserver | undefined }
    growth.observer = new MutationObserver(records => {
      growth.updates += records.length
      growth.lengths.push(document.getElementById('answer')?.textContent?.length ?? 0)
    })
    growth.observer.observe(document.getElementById('answer') as Node, { childList: true, characterData: true, subtree: true })
    w.__growth = growth
  })
}

async function answerGrowth (page: Page): Promise<{ updates: number, lengths: number[] }> {
  return await page.evaluate(() => { const g = (window as any).__growth; return { updates: g.updates, lengths: g.lengths } })
}

describe('the dashboard', { timeout: 300_000 }, () => {
  before(assertChromium)

  const h = harness({ after })
  let alpha: MycelProcess
  let gamma: MycelProcess
  let browser: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  before(async () => {
    const [mesh, profile] = await Promise.all([modelMesh(h, 2), h.tempDir('mycel-chromium-')])
    alpha = mesh.alpha
    gamma = mesh.others[1] as MycelProcess
    const opened = await openBrowser(profile, { width: 1280, height: 1000 }, pageErrors)
    browser = opened.browser
    page = opened.page
  })
  after(async () => { await browser?.close() })

  it('asks for the token, and refuses a wrong one', async () => {
    await page.goto(gamma.api.url + '/')
    await page.locator('#login').waitFor({ state: 'visible' })
    await page.fill('#token', 'wrong-token')
    await page.click('#login-form button')
    await page.locator('#login-error').filter({ hasText: 'refused' }).waitFor()
    assert.equal(await page.locator('#main').isVisible(), false)
  })

  it('takes the token from /?token=, keeps it out of the URL, and lists the three members with their cards', async () => {
    await page.goto(`${gamma.api.url}/?token=${gamma.api.token}`)
    assert.equal(new URL(page.url()).search, '', 'the token is stripped from the address bar')
    await page.locator('#members tr').nth(2).waitFor()
    const rows = page.locator('#members tr')
    assert.equal(await rows.count(), 3)
    const names = (await page.locator('#members tr td:first-child strong').allTextContents()).sort()
    assert.deepEqual(names, ['alpha', 'beta', 'gamma'])
    const alphaRow = page.locator(`#members tr[data-peer="${alpha.peerId}"]`)
    assert.match(await alphaRow.textContent() ?? '', new RegExp(MODEL))
    assert.match(await alphaRow.textContent() ?? '', /cpu|cuda|vulkan|metal/)
    assert.match(await page.locator(`#members tr[data-peer="${gamma.peerId}"]`).textContent() ?? '', /this node/)
  })

  it('streams the answer to a prompt typed into the box', async () => {
    await page.locator('#model option', { hasText: MODEL }).waitFor({ state: 'attached' })
    await page.selectOption('#kind', 'llm.chat')
    await page.fill('#max-tokens', '48')
    await page.fill('#prompt', 'Tell the mesh a story')
    await watchAnswer(page)
    await page.click('#send')
    await page.locator('#run-status').filter({ hasText: 'done on alpha' }).waitFor({ timeout: 60_000 })
    const answer = await page.locator('#answer').textContent() ?? ''
    assert.ok(answer.length > 0, 'an answer appeared')
    // the tiny model is fast enough that its pieces may land in one read; they are still separate events
    const { updates } = await answerGrowth(page)
    assert.ok(updates > 1, `the answer arrived in pieces: ${updates} updates`)
    // the same prompt through the API gives the same bytes (greedy decoding)
    const res = await fetch(`${gamma.api.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gamma.api.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Tell the mesh a story' }], max_tokens: 48 }) })
    assert.equal((await res.json() as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, answer)
    await page.locator('#tasks tr .state-completed').first().waitFor()
    await screenshot(page, 'dashboard.png')
  })

  it('shows hostile text as text', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><b id="bold">bold</b>'
    await page.selectOption('#kind', 'echo')
    await page.selectOption('#peer', alpha.peerId)
    await page.fill('#prompt', hostile)
    await watchAnswer(page)
    await page.click('#send')
    await page.locator('#run-status').filter({ hasText: 'done on alpha' }).waitFor({ timeout: 30_000 })
    assert.equal(await page.locator('#answer').textContent(), hostile)
    assert.equal(await page.locator('#answer img, #answer b, #bold').count(), 0)
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined)
    // echo streams its pieces 20 ms apart: the page shows them as they come
    const { lengths } = await answerGrowth(page)
    assert.ok(new Set(lengths).size > 2, `the answer grew while streaming: ${JSON.stringify(lengths)}`)
  })

  it('shows recent audit entries and the verify verdict', async () => {
    await page.click('#verify-now')
    await page.locator('#verify.ok').waitFor({ timeout: 30_000 })
    assert.match(await page.locator('#verify').textContent() ?? '', /verified: \d+ entr(y|ies)/)
    await page.locator('#audit tr td:nth-child(3)', { hasText: 'task.sent' }).first().waitFor({ timeout: 30_000 })
    const types = await page.locator('#audit tr td:nth-child(3)').allTextContents()
    assert.ok(types.some(t => t.startsWith('task.')), `audit shows task entries: ${types.join(', ')}`)
    assert.deepEqual(pageErrors, [])
  })
})
