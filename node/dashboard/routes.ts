/**
 * The dashboard: static files from this folder, served at `/` without a
 * token (they hold no data and no secret). The page then calls the token-
 * guarded API with a token the user pastes once (or passes as `/?token=`),
 * kept in sessionStorage. Files are read once and served from memory, with a
 * strict Content-Security-Policy: only this origin's scripts, styles and
 * API, no inline script, no framing, and no Referer (the URL may carry the
 * token for a moment).
 */
import { readFile } from 'node:fs/promises'
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'

const FILES: Record<string, { file: string, type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' }
}

const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}

export function registerDashboardRoutes (api: ApiServer): void {
  const cache = new Map<string, Buffer>()
  for (const [path, { file, type }] of Object.entries(FILES)) {
    api.route('GET', path, async ({ res }) => {
      let body = cache.get(file)
      if (body == null) {
        body = await readFile(new URL(file, import.meta.url))
        cache.set(file, body)
      }
      res.writeHead(200, { ...HEADERS, 'content-type': type, 'content-length': body.length })
      res.end(body)
      return HANDLED
    }, { auth: false })
  }
}
