/**
 * Sessions of MCP's streamable HTTP transport
 * (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#session-management):
 * an `initialize` POST opens one, with its own `McpServer` and transport;
 * later requests carry its `Mcp-Session-Id`. A session is what lets the
 * server speak first — resource updates and log messages go down the
 * session's GET stream — and what keeps a client's log level and
 * subscriptions. Sessions are bounded in number, closed when idle (no
 * request and no open stream for `MCP_SESSION_IDLE_MS`), on DELETE, and all
 * at once when the HTTP server closes.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import { HttpError } from '../api/errors.ts'
import { MAX_MCP_SESSIONS, MCP_SESSION_IDLE_MS, MCP_SESSION_SWEEP_MS } from './constants.ts'

export interface McpSessionsInit {
  /** @default MAX_MCP_SESSIONS */
  maxSessions?: number
  /** @default MCP_SESSION_IDLE_MS */
  idleMs?: number
}

/** Builds the server of a new session; `signal` aborts when the session ends (its tasks stop with it). */
export type SessionServerFactory = (sessionId: string, signal: AbortSignal) => McpServer

interface Session {
  id: string
  server: McpServer
  transport: StreamableHTTPServerTransport
  controller: AbortController
  lastSeen: number
  /** Requests (GET streams, long POSTs) open now; a session with one open is not idle. */
  open: number
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>()
  private readonly create: SessionServerFactory
  private readonly maxSessions: number
  private readonly idleMs: number
  private readonly sweeper: ReturnType<typeof setInterval>

  constructor (create: SessionServerFactory, init: McpSessionsInit = {}) {
    this.create = create
    this.maxSessions = init.maxSessions ?? MAX_MCP_SESSIONS
    this.idleMs = init.idleMs ?? MCP_SESSION_IDLE_MS
    this.sweeper = setInterval(() => { this.sweep() }, Math.min(MCP_SESSION_SWEEP_MS, this.idleMs))
    this.sweeper.unref?.()
  }

  get size (): number { return this.sessions.size }

  /** Serves one HTTP request to `/mcp` (body already parsed and bounded by the API server). */
  async handle (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const header = req.headers['mcp-session-id']
    const id = Array.isArray(header) ? header[0] : header
    const fresh = id == null && req.method === 'POST' && isInitializeRequest(body)
    const session = id != null ? this.sessions.get(id) : fresh ? await this.open() : undefined
    if (session == null) {
      if (id != null) throw new HttpError('not-found', 'Unknown or expired MCP session: initialize a new one')
      throw new HttpError('malformed', req.method === 'POST' ? 'Expected an initialize request, or an Mcp-Session-Id header' : 'Expected an Mcp-Session-Id header')
    }
    session.lastSeen = Date.now()
    session.open++
    res.once('close', () => { session.open--; session.lastSeen = Date.now() })
    await session.transport.handleRequest(req, res, body)
    // an initialize the transport refused (a wrong Accept, a bad version) leaves no session behind
    if (fresh && session.transport.sessionId == null) await this.close(session.id)
  }

  /** Closes every session (the HTTP server is closing); idempotent. */
  async closeAll (): Promise<void> {
    clearInterval(this.sweeper)
    await Promise.all([...this.sessions.keys()].map(async id => { await this.close(id) }))
  }

  private async open (): Promise<Session> {
    if (this.sessions.size >= this.maxSessions) throw new HttpError('unavailable', `Too many open MCP sessions (${this.maxSessions}); close one with DELETE /mcp`)
    const id = randomUUID()
    const controller = new AbortController()
    const server = this.create(id, controller.signal)
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id })
    const session: Session = { id, server, transport, controller, lastSeen: Date.now(), open: 0 }
    // the SDK closes the transport on DELETE; the session goes with it
    transport.onclose = () => { void this.close(id) }
    this.sessions.set(id, session)
    await server.connect(transport)
    return session
  }

  private async close (id: string): Promise<void> {
    const s = this.sessions.get(id)
    if (s == null) return
    this.sessions.delete(id)
    s.controller.abort(new HttpError('unavailable', 'The MCP session closed'))
    await s.server.close().catch(() => {})
  }

  private sweep (): void {
    const now = Date.now()
    for (const [id, s] of this.sessions) if (s.open === 0 && now - s.lastSeen > this.idleMs) void this.close(id)
  }
}
