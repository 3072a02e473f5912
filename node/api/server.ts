/**
 * The node's HTTP server on 127.0.0.1: the control API used by the CLI, and
 * later the OpenAI-compatible API, the MCP endpoint and the dashboard.
 *
 * Every `/api/` and `/v1/` request must carry the node's token as a bearer
 * token (compared in constant time; never logged). Bodies are bounded and
 * parsed as JSON before a handler sees them; a handler's typed error becomes
 * a JSON error with a fitting status, and the server keeps serving.
 *
 * Browsers are held to loopback: a request whose `Host` is a DNS name other
 * than `localhost`, or whose `Origin` is not a loopback origin, is refused
 * before any handler runs (DNS rebinding and cross-site requests; the MCP
 * streamable HTTP spec asks servers to validate `Origin`). Clients outside a
 * browser send no `Origin` and talk to an IP address, so they are unaffected.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../logger.ts'
import { MAX_API_BODY_BYTES } from '../constants.ts'
import { HttpError, statusOf } from './errors.ts'

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  body: unknown
  query: URLSearchParams
  params: Record<string, string>
  /** Aborts when the client goes away. */
  signal: AbortSignal
}

/** Returned by a handler that wrote the response itself (streams). */
export const HANDLED = Symbol('handled')

export type RouteHandler = (ctx: RouteContext) => Promise<unknown>

interface Route {
  method: string
  pattern: RegExp
  keys: string[]
  handler: RouteHandler
  auth: boolean
  rawBody: boolean
}

export interface ApiServerInit {
  token: string
  logger: Logger
  /** @default MAX_API_BODY_BYTES */
  maxBodyBytes?: number
  /** Shapes error bodies for a path (the OpenAI API has its own error format). */
  errorBody?: (path: string, status: number, code: string, message: string, err: Error) => unknown
}

export class ApiServer {
  private readonly routes: Route[] = []
  private server?: Server
  private readonly token: Buffer
  private readonly log: Logger
  private readonly maxBodyBytes: number
  private readonly errorBody: NonNullable<ApiServerInit['errorBody']>

  constructor (init: ApiServerInit) {
    this.token = Buffer.from(init.token)
    this.log = init.logger
    this.maxBodyBytes = init.maxBodyBytes ?? MAX_API_BODY_BYTES
    this.errorBody = init.errorBody ?? ((_path, _status, code, message) => ({ error: { code, message } }))
  }

  /** Registers a route; `:name` segments become params. Auth is on unless `auth: false`. */
  route (method: string, path: string, handler: RouteHandler, opts: { auth?: boolean, rawBody?: boolean } = {}): void {
    const keys: string[] = []
    const pattern = new RegExp('^' + path.replace(/:[a-zA-Z]+/g, m => { keys.push(m.slice(1)); return '([^/]+)' }) + '$')
    this.routes.push({ method, pattern, keys, handler, auth: opts.auth ?? true, rawBody: opts.rawBody ?? false })
  }

  async listen (host: string, port: number): Promise<{ host: string, port: number }> {
    const server = createServer((req, res) => { void this.dispatch(req, res) })
    server.headersTimeout = 30_000
    server.requestTimeout = 0 // streams (SSE, task output) may run long
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    })
    const addr = server.address() as AddressInfo
    return { host: addr.address, port: addr.port }
  }

  async close (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    server.closeIdleConnections()
    await new Promise<void>(resolve => server.close(() => { resolve() }))
  }

  /** Closes open streaming responses too (at shutdown). */
  closeAll (): void {
    this.server?.closeAllConnections()
  }

  private authorized (req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? ''
    const m = /^Bearer (.+)$/.exec(header)
    if (m == null) return false
    const given = Buffer.from(m[1] as string)
    return given.length === this.token.length && timingSafeEqual(given, this.token)
  }

  private async dispatch (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const controller = new AbortController()
    res.on('close', () => { if (!res.writableFinished) controller.abort() })
    try {
      const match = this.match(req.method ?? 'GET', url.pathname)
      if (match == null) throw new HttpError(404, 'not_found', `No route for ${req.method ?? 'GET'} ${url.pathname}`)
      if (match === 'method') throw new HttpError(405, 'method_not_allowed', `Method ${req.method ?? ''} not allowed on ${url.pathname}`)
      const { route, params } = match
      checkBrowserOrigin(req)
      if (route.auth && !this.authorized(req)) {
        // log the path only: the header may hold a (wrong) token
        this.log('unauthorized request to %s', url.pathname)
        throw new HttpError(401, 'unauthorized', 'Missing or wrong API token')
      }
      const body = route.rawBody ? undefined : await this.readJson(req)
      const result = await route.handler({ req, res, body, query: url.searchParams, params, signal: controller.signal })
      if (result === HANDLED) return
      this.send(res, 200, result ?? { ok: true })
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      const status = statusOf(e)
      const code = e instanceof HttpError ? e.code : e.name
      // a 500 hides internals; typed errors have messages written for users
      const message = status === 500 ? 'Internal error' : e.message
      if (status === 500) this.log.error('handler for %s failed: %s', url.pathname, e.stack ?? e.message)
      if (res.headersSent) { res.end(); return }
      for (const [k, v] of Object.entries(e instanceof HttpError ? e.headers : {})) res.setHeader(k, v)
      const retryAfterMs = (e as Error & { retryAfterMs?: number }).retryAfterMs
      if (retryAfterMs != null) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
      this.send(res, status, this.errorBody(url.pathname, status, code, message, e))
    }
  }

  private match (method: string, path: string): { route: Route, params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false
    for (const route of this.routes) {
      const m = route.pattern.exec(path)
      if (m == null) continue
      pathMatched = true
      if (route.method !== method) continue
      const params: Record<string, string> = {}
      route.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1] ?? '') })
      return { route, params }
    }
    return pathMatched ? 'method' : undefined
  }

  private async readJson (req: IncomingMessage): Promise<unknown> {
    if (req.method === 'GET' || req.method === 'HEAD') return undefined
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > this.maxBodyBytes) throw new HttpError(413, 'too_large', `Body exceeds ${this.maxBodyBytes} bytes`)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > this.maxBodyBytes) throw new HttpError(413, 'too_large', `Body exceeds ${this.maxBodyBytes} bytes`)
      chunks.push(chunk as Buffer)
    }
    if (size === 0) return undefined
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      throw new HttpError(400, 'invalid_json', 'Body is not valid JSON')
    }
  }

  /** Writes the headers of a server-sent events stream (`text/event-stream`). */
  static startEventStream (res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    res.flushHeaders()
  }

  send (res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value, (_k, v) => typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    res.end(body)
  }
}

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
function checkBrowserOrigin (req: IncomingMessage): void {
  const host = req.headers.host
  if (host != null) {
    let hostname = ''
    try { hostname = new URL(`http://${host}`).hostname } catch {}
    if (!isSafeHostname(hostname)) throw new HttpError(403, 'forbidden_host', 'Requests must address the node by IP address or localhost')
  }
  const origin = req.headers.origin
  // same-origin from a page served here (the dashboard on a LAN address) is fine too: the Host was checked above
  if (origin != null && origin !== 'null' && !isLoopbackOrigin(origin) && !sameOrigin(origin, host)) throw new HttpError(403, 'forbidden_origin', 'Cross-origin requests from non-local pages are refused')
  if (origin === 'null') throw new HttpError(403, 'forbidden_origin', 'Cross-origin requests from opaque origins are refused')
}
