/**
 * The dashboard: static files from this folder, served at `/` without a
 * token (they hold no data and no secret). The page then calls the token-
 * guarded API with a token the user pastes once (or passes as `/?token=`),
 * kept in sessionStorage. Files are read once and served from memory, with a
 * strict Content-Security-Policy: only this origin's scripts, styles and
 * API, no inline script, no framing, and no Referer (the URL may carry the
 * token for a moment). uPlot, the chart library, is served the same way from
 * the package Mycel depends on, so the page never reaches a CDN.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import { DASHBOARD_MODULES } from './constants.ts'

const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}

/** URL path → file on disk and its type. */
function files (): Record<string, { file: string, type: string }> {
  const here = dirname(fileURLToPath(import.meta.url))
  // uplot's `main` is dist/uPlot.cjs.js; its ES module and stylesheet sit beside it
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'))
  return {
    '/': { file: join(here, 'index.html'), type: 'text/html; charset=utf-8' },
    '/dashboard/style.css': { file: join(here, 'style.css'), type: CSS },
    ...Object.fromEntries(DASHBOARD_MODULES.map(m => [`/dashboard/${m}`, { file: join(here, m), type: JS }])),
    '/dashboard/vendor/uplot.js': { file: join(uplot, 'uPlot.esm.js'), type: JS },
    '/dashboard/vendor/uplot.css': { file: join(uplot, 'uPlot.min.css'), type: CSS }
  }
}

export function registerDashboardRoutes (api: ApiServer): void {
  const cache = new Map<string, Buffer>()
  for (const [path, { file, type }] of Object.entries(files())) {
    api.route('GET', path, async ({ res }) => {
      let body = cache.get(file)
      if (body == null) {
        body = await readFile(file)
        cache.set(file, body)
      }
      res.writeHead(200, { ...HEADERS, 'content-type': type, 'content-length': body.length })
      res.end(body)
      return HANDLED
    }, { auth: false })
  }
}
