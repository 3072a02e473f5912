/**
 * The dashboard's chat view in headless Chromium, on a node that serves the
 * generated model: a session typed into with the keyboard only (Enter
 * sends), whose second turn is given the first; listed, reopened after a
 * reload, and deleted.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { assertChromium, openBrowser, screenshot } from './chromium.ts'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'

describe('the dashboard chat', { timeout: 300_000 }, () => {
  before(assertChromium)

  const h = harness({ after })
  let alpha: MycelProcess
  let browser: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  before(async () => {
    const dir = await h.tempDir('mycel-chat-')
    const modelPath = join(dir, 'tiny.gguf')
    const [home] = await Promise.all([h.found('acme', 'alpha'), makeTestModel({ out: modelPath, size: 'tiny', seed: 42 })])
    await h.ok(home, ['models', 'add', modelPath, '--name', 'tiny'])
    alpha = await h.start(home)
    const opened = await openBrowser(join(dir, 'profile'), { width: 1280, height: 1000 }, pageErrors)
    browser = opened.browser
    page = opened.page
  })
  after(async () => { await browser?.close() })

  it('chats in a session with the keyboard, lists it, reopens it and deletes it', async () => {
    await page.goto(`${alpha.api.url}/?token=${alpha.api.token}#view-chat`)
    await page.locator('#chat-model option', { hasText: 'tiny' }).waitFor({ state: 'attached' })
    await page.fill('#chat-max-tokens', '6')
    await page.focus('#chat-input')
    await page.keyboard.type('My name is Ada.')
    await page.keyboard.press('Enter')
    await page.locator('#chat-status').filter({ hasText: 'prompt tokens' }).waitFor({ timeout: 60_000 })
    await page.keyboard.type('What is my name?')
    await page.keyboard.press('Enter')
    await page.locator('#chat-log .turn.assistant').nth(1).waitFor()
    await page.locator('#chat-sessions li').first().waitFor()
    const sessions = await alpha.get<Array<{ name: string }>>('/api/sessions')
    assert.equal(sessions.length, 1)
    const name = sessions[0]?.name as string
    await page.locator('#chat-status').filter({ hasText: 'prompt tokens' }).waitFor({ timeout: 60_000 })
    const shown = await alpha.get<{ history: Array<{ content: string }>, lastContext: { messages: Array<{ content: string }> } }>(`/api/sessions/${name}`)
    assert.equal(shown.history.length, 4)
    assert.equal(shown.lastContext.messages[0]?.content, 'My name is Ada.', 'the second turn was given the first')
    // a reload, then the list reopens the session with its history
    await page.reload()
    await page.locator('#chat-sessions li button').first().click()
    await page.locator('#chat-log .turn').nth(3).waitFor()
    assert.deepEqual((await page.locator('#chat-log .turn .text').allTextContents()).map(t => t.trim()), shown.history.map(t => t.content.trim()))
    await screenshot(page, 'chat.png')
    await page.locator('#chat-sessions li button.danger').first().click()
    await page.click('#confirm-yes')
    await page.locator('#chat-empty').waitFor({ state: 'visible' })
    assert.deepEqual(await alpha.get('/api/sessions'), [])
    assert.deepEqual(pageErrors, [])
  })
})
