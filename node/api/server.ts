/**
 * The node's HTTP server on 127.0.0.1: the control API used by the CLI, the
 * OpenAI-compatible API, the MCP endpoint and the dashboard.
 *
 * Every `/api/` and `/v1/` request must carry the node's token as a bearer
 * token or an `x-api-key` header (compared in constant time; never logged). Bodies are bounded and
 * parsed as JSON before a handler sees them; a handler's typed error becomes
 * a JSON error with the status of its code (`ERROR_STATUS`), and the server
 * keeps serving. Nothing about a request is decoded before its token is
 * checked, so a malformed path cannot tell an outsider more than 401.
 *
 * Browsers are held to loopback: a request whose `Host` is a DNS name other
 * than `localhost`, or whose `Origin` is not a loopback origin, is refused
 * before any handler runs (DNS rebinding and cross-site requests; the MCP
 * streamable HTTP spec asks servers to validate `Origin`). Clients outside a
 * browser send no `Origin` and talk to an IP address, so they are unaffected.
 *
 * `close()` stops accepting, ends every open stream with a last error line
 * in its own format, aborts bodies still arriving, and resolves within
 * `CLOSE_GRACE_MS` whatever the clients do.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../logger.ts'
import { MAX_API_BODY_BYTES } from '../constants.ts'
import { CLOSE_GRACE_MS, HEADERS_TIMEOUT_MS } from './constants.ts'
import { apiErrorObject, HttpError, retryAfterSeconds, statusOf } from './errors.ts'
import { NDJSON, ResponseStream, sseFormat, type SseOptions } from './response-stream.ts'
import { checkBrowserOrigin } from './origin.ts'

// `import … from 'node:http'` builds an ES module namespace of every export, and its lazy
// WebSocket getters load undici (some 50 ms of each start); the CommonJS form does not
const { createServer } = process.getBuiltinModule('node:http')

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  body: unknown
  query: URLSearchParams
  params: Record<string, string>
  /** Aborts when the client goes away or the server closes. */
  signal: AbortSignal
  /** Opens a streaming response the server ends cleanly at shutdown. */
  stream: {
    /** Newline-delimited JSON; `error` shapes the last line when the stream fails (the control API's by default). */
    ndjson: (error?: (err: unknown) => unknown) => ResponseStream
    /** Server-sent events; `error` shapes the last event when the stream fails. */
    sse: (error: (err: unknown) => unknown, opts?: SseOptions) => ResponseStream
  }
}

/** Returned by a handler that wrote the response itself (files, MCP). */
export const HANDLED = Symbol('handled')

export type RouteHandler = (ctx: RouteContext) => Promise<unknown>

interface Route {
  method: string
  path: string
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
  /** @default CLOSE_GRACE_MS */
  closeGraceMs?: number
  /** Shapes error bodies for a path (the OpenAI API has its own error format). */
  errorBody?: (path: string, err: unknown) => unknown
}

interface InFlight { controller: AbortController, res: ServerResponse }

export class ApiServer {
  private readonly routes: Route[] = []
  private server?: Server
  private readonly token: Buffer
  private readonly log: Logger
  private readonly maxBodyBytes: number
  private readonly closeGraceMs: number
  private readonly errorBody: NonNullable<ApiServerInit['errorBody']>
  private readonly inFlight = new Set<InFlight>()
  private readonly streams = new Set<ResponseStream>()
  private readonly teardowns: Array<() => void | Promise<void>> = []
  private closing?: Promise<void>

  constructor (init: ApiServerInit) {
    this.token = Buffer.from(init.token)
    this.log = init.logger
    this.maxBodyBytes = init.maxBodyBytes ?? MAX_API_BODY_BYTES
    this.closeGraceMs = init.closeGraceMs ?? CLOSE_GRACE_MS
    this.errorBody = init.errorBody ?? ((_path, err) => ({ error: apiErrorObject(err) }))
  }

  /** Registers a route; `:name` segments become params. Auth is on unless `auth: false`. */
  route (method: string, path: string, handler: RouteHandler, opts: { auth?: boolean, rawBody?: boolean } = {}): void {
    // route groups share prefixes (`/api/` is the control API's and Ollama's): a clash is a bug, found at startup
    if (this.routes.some(r => r.method === method && r.path === path)) throw new Error(`Route ${method} ${path} registered twice`)
    const keys: string[] = []
    const pattern = new RegExp('^' + path.replace(/:[a-zA-Z]+/g, m => { keys.push(m.slice(1)); return '([^/]+)' }) + '$')
    this.routes.push({ method, path, pattern, keys, handler, auth: opts.auth ?? true, rawBody: opts.rawBody ?? false })
  }

  async listen (host: string, port: number): Promise<{ host: string, port: number }> {
    const server = createServer((req, res) => { void this.dispatch(req, res) })
    server.headersTimeout = HEADERS_TIMEOUT_MS
    server.requestTimeout = 0 // streams (SSE, task output) may run long
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    })
    const addr = server.address() as AddressInfo
    return { host: addr.address, port: addr.port }
  }

  /** Registers what a route group set up (a subscription, a timer) to be undone when the server closes. */
  onClose (teardown: () => void | Promise<void>): void {
    this.teardowns.push(teardown)
  }

  /** Stops accepting and ends every open request (see the module comment); safe to call twice. */
  async close (): Promise<void> {
    this.closing ??= this.shutdown()
    await this.closing
  }

  /** Cuts every connection now, without last lines (tests that end abruptly). */
  closeAll (): void {
    this.server?.closeAllConnections()
  }

  private async shutdown (): Promise<void> {
    for (const t of this.teardowns.splice(0)) await Promise.resolve().then(t).catch(err => { this.log.error('teardown failed: %s', (err as Error).message) })
    const server = this.server
    if (server == null) return
    const closed = new Promise<void>(resolve => server.close(() => { resolve() }))
    server.closeIdleConnections()
    const reason = shuttingDown()
    // streams first, so their last line says why, not what the aborted handler saw
    for (const s of [...this.streams]) if (s.started) s.fail(reason)
    for (const f of this.inFlight) f.controller.abort(reason)
    let timer: ReturnType<typeof setTimeout> | undefined
    const grace = new Promise<void>(resolve => { timer = setTimeout(resolve, this.closeGraceMs) })
    await Promise.race([this.settled(), grace])
    // whatever has not ended by now (a handler ignoring its signal, a client not reading) is cut off
    for (const f of this.inFlight) if (!f.res.headersSent) this.sendError(f.res, '', reason)
    server.closeAllConnections()
    await Promise.race([closed, grace])
    clearTimeout(timer)
    this.server = undefined
  }

  /** Resolves once no request is in flight. */
  private async settled (): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.race([...this.inFlight].map(async f => await new Promise<void>(resolve => {
        if (f.res.writableFinished || f.res.destroyed) resolve()
        else f.res.once('close', () => { resolve() })
      })))
    }
  }

  /** The token as a bearer token, or as `x-api-key` (what Anthropic's clients send). */
  private authorized (req: IncomingMessage): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const key = req.headers['x-api-key']
    const token = bearer ?? (typeof key === 'string' && key !== '' ? key : undefined)
    if (token == null) return false
    const given = Buffer.from(token)
    return given.length === this.token.length && timingSafeEqual(given, this.token)
  }

  private async dispatch (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController()
    const flight: InFlight = { controller, res }
    this.inFlight.add(flight)
    res.once('close', () => {
      this.inFlight.delete(flight)
      if (!res.writableFinished) controller.abort()
    })
    let path = ''
    try {
      if (this.closing != null) throw shuttingDown()
      const url = parseTarget(req.url)
      path = url.pathname
      const match = this.match(req.method ?? 'GET', path)
      if (match == null) throw new HttpError('no-route', `No route for ${req.method ?? 'GET'} ${safePath(path)}`)
      if (match === 'method') throw new HttpError('method-not-allowed', `Method ${req.method ?? ''} not allowed on ${safePath(path)}`)
      const { route, captures } = match
      checkBrowserOrigin(req)
      if (route.auth && !this.authorized(req)) {
        // log the path only: the header may hold a (wrong) token
        this.log('unauthorized request to %s', safePath(path))
        // RFC 6750 §3: a 401 names the scheme it wants (MCP clients read it before anything else)
        throw new HttpError('unauthorized', 'Missing or wrong API token', { 'www-authenticate': hasCredentials(req) ? 'Bearer realm="mycel", error="invalid_token"' : 'Bearer realm="mycel"' })
      }
      const params = decodeParams(route.keys, captures)
      const body = route.rawBody ? undefined : await this.readJson(req, controller.signal)
      const stream = {
        ndjson: (error?: (err: unknown) => unknown) => this.track(res, error != null ? { ...NDJSON, error } : NDJSON),
        sse: (error: (err: unknown) => unknown, opts?: SseOptions) => this.track(res, sseFormat(error, opts))
      }
      const result = await route.handler({ req, res, body, query: url.searchParams, params, signal: controller.signal, stream })
      if (result === HANDLED || res.headersSent || res.writableEnded) return
      this.send(res, 200, result ?? { ok: true })
    } catch (err) {
      // at shutdown the handler sees its signal abort; the client should hear why
      const e = this.closing != null ? shuttingDown() : err
      if (statusOf(e) === 500) this.log.error('handler for %s failed: %s', safePath(path), (err as Error)?.stack ?? String(err))
      if (res.headersSent) { if (!res.writableEnded) res.end(); return }
      this.sendError(res, path, e)
    }
  }

  private track (res: ServerResponse, format: typeof NDJSON): ResponseStream {
    const s = new ResponseStream(res, format, (done) => { this.streams.delete(done) })
    this.streams.add(s)
    return s
  }

  private sendError (res: ServerResponse, path: string, err: unknown): void {
    if (res.headersSent || res.destroyed) return
    for (const [k, v] of Object.entries(err instanceof HttpError ? err.headers : {})) res.setHeader(k, v)
    const retry = retryAfterSeconds(err)
    if (retry != null) res.setHeader('Retry-After', String(retry))
    // a body still arriving is abandoned: close the connection rather than read the rest
    if (this.closing != null || !(res.req?.complete ?? true)) res.setHeader('connection', 'close')
    this.send(res, statusOf(err), this.errorBody(path, err))
  }

  private match (method: string, path: string): { route: Route, captures: string[] } | 'method' | undefined {
    let pathMatched = false
    for (const route of this.routes) {
      const m = route.pattern.exec(path)
      if (m == null) continue
      pathMatched = true
      if (route.method !== method) continue
      return { route, captures: m.slice(1) }
    }
    return pathMatched ? 'method' : undefined
  }

  private async readJson (req: IncomingMessage, signal: AbortSignal): Promise<unknown> {
    if (req.method === 'GET' || req.method === 'HEAD') return undefined
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > this.maxBodyBytes) throw new HttpError('too-large', `Body exceeds ${this.maxBodyBytes} bytes`)
    const raw = await readBody(req, this.maxBodyBytes, signal)
    if (raw.length === 0) return undefined
    try {
      return JSON.parse(raw.toString('utf8'))
    } catch {
      throw new HttpError('invalid-json', 'Body is not valid JSON')
    }
  }

  send (res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value, (_k, v) => typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    res.end(body)
  }
}

/** Whether a request offered a token at all (RFC 6750 tells a wrong one from none). */
function hasCredentials (req: IncomingMessage): boolean {
  return req.headers.authorization != null || req.headers['x-api-key'] != null
}

function shuttingDown (): HttpError {
  return new HttpError('unavailable', 'The node is shutting down')
}

/** The request target as a URL; a target no URL parser takes is malformed. */
function parseTarget (target: string | undefined): URL {
  try {
    // prefixing keeps `//x/y` a path rather than a host
    return new URL(`http://localhost${target?.startsWith('/') === true ? target : '/'}`)
  } catch {
    throw new HttpError('malformed', 'Malformed request target')
  }
}

/** Decodes path parameters, after the token check (a bad escape is the caller's 400, not our 500). */
function decodeParams (keys: string[], captures: string[]): Record<string, string> {
  const params: Record<string, string> = {}
  keys.forEach((k, i) => {
    try {
      params[k] = decodeURIComponent(captures[i] ?? '')
    } catch {
      throw new HttpError('malformed', `Malformed percent-encoding in the path parameter ${k}`)
    }
  })
  return params
}

/** A path fit for a log line or a message: bounded, printable. */
function safePath (path: string): string {
  return path.slice(0, 200).replace(/[^\x21-\x7e]/g, '?')
}

/** Reads a body up to `max` bytes; gives up when `signal` aborts (shutdown) or the client goes away. */
async function readBody (req: IncomingMessage, max: number, signal: AbortSignal): Promise<Buffer> {
  return await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (err?: unknown): void => {
      req.off('data', onData); req.off('end', onEnd); req.off('error', done); req.off('aborted', onAborted)
      signal.removeEventListener('abort', onAbort)
      if (err != null) reject(err)
      else resolve(Buffer.concat(chunks))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > max) { req.pause(); done(new HttpError('too-large', `Body exceeds ${max} bytes`)); return }
      chunks.push(chunk)
    }
    const onEnd = (): void => { done() }
    const onAborted = (): void => { done(new HttpError('canceled', 'The client went away')) }
    const onAbort = (): void => { req.pause(); done(signal.reason ?? new HttpError('canceled', 'Aborted')) }
    if (signal.aborted) { onAbort(); return }
    req.on('data', onData); req.once('end', onEnd); req.once('error', done); req.once('aborted', onAborted)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

