/**
 * Debian's Chromium, driven by playwright-core (no browser is downloaded),
 * for the dashboard's tests. `.ci/run` installs it; without it a suite fails
 * rather than silently skipping.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { REPO_ROOT } from '../helpers/harness.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Where the dashboard's tests leave their screenshots (git-ignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'dashboard')

/** Saves a full-page screenshot of `page` as `name` in `SCREENSHOT_DIR`. */
export async function screenshot (page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true })
}

export function assertChromium (): void {
  assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}: apt-get install chromium`)
}

/** A headless browser with a profile in `profileDir`, and its first page, whose uncaught errors land in `errors`. */
export async function openBrowser (profileDir: string, viewport: { width: number, height: number }, errors: string[]): Promise<{ browser: BrowserContext, page: Page }> {
  const browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport })
  const page = browser.pages()[0] ?? await browser.newPage()
  page.on('pageerror', err => { errors.push(err.message) })
  return { browser, page }
}
