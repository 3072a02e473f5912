/**
 * Browsers are held to loopback: DNS rebinding and cross-site requests are
 * refused before any handler runs (the MCP streamable HTTP spec asks servers
 * to validate `Origin`, https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#security-warning).
 */
import type { IncomingMessage } from 'node:http'
import { HttpError } from './errors.ts'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/** True for `localhost`, `*.localhost`, and IP literals (which DNS rebinding cannot produce). */
function isSafeHostname (hostname: string): boolean {
  const h = hostname.toLowerCase()
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true
  if (h.startsWith('[') && h.endsWith(']')) return true
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h)
}

function isLoopbackOrigin (origin: string): boolean {
  let u: URL
  try { u = new URL(origin) } catch { return false }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false
  const h = u.hostname.toLowerCase()
  return LOOPBACK_NAMES.has(h) || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

function sameOrigin (origin: string, host: string | undefined): boolean {
  try { return host != null && new URL(origin).host === host.toLowerCase() } catch { return false }
}

/** Refuses requests a web page on another site could make (see the module comment). */
export function checkBrowserOrigin (req: IncomingMessage): void {
  const host = req.headers.host
  if (host != null) {
    let hostname = ''
    try { hostname = new URL(`http://${host}`).hostname } catch {}
    if (!isSafeHostname(hostname)) throw new HttpError('forbidden-host', 'Requests must address the node by IP address or localhost')
  }
  const origin = req.headers.origin
  // same-origin from a page served here (the dashboard on a LAN address) is fine too: the Host was checked above
  if (origin != null && origin !== 'null' && !isLoopbackOrigin(origin) && !sameOrigin(origin, host)) throw new HttpError('forbidden-origin', 'Cross-origin requests from non-local pages are refused')
  if (origin === 'null') throw new HttpError('forbidden-origin', 'Cross-origin requests from opaque origins are refused')
}
