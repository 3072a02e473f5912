/**
 * An MCP server as a tool provider: started (stdio) or reached (streamable
 * HTTP) through the official SDK client, its tools listed (all pages) and
 * called, and supervised. When the server dies or its connection drops,
 * calls in flight fail with `ToolProviderCrashedError` and the connector
 * restarts it after an exponential back-off; after `restartsMax` failures in
 * a row it gives up (state `failed`). A server that stayed up
 * `stableUptimeMs` is healthy again and the count starts over.
 * Spec: https://modelcontextprotocol.io/specification/2025-06-18/server/tools
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { createLogger, type Logger } from '../logger.ts'
import * as c from './constants.ts'
import { ToolError, ToolProviderCrashedError, ToolProviderError, ToolProviderUnavailableError } from './errors.ts'
import { loadMcpClientSdk } from './mcp-sdk.ts'
import { openTransport, type McpTarget, type OpenedTransport } from './mcp-transport.ts'
import type { DataClass, ProviderCallOptions, ToolProvider, ToolResult, ToolSpec } from './types.ts'

export interface McpConnectorInit {
  /** Provider name, the `NAME` in `NAME.TOOL` (required). */
  name: string
  /** Program of a stdio server; give this or `url`. */
  command?: string
  /** @default [] */
  args?: string[]
  /** Variables added to the SDK's minimal default environment. */
  env?: Record<string, string>
  /** Working folder of a stdio server. */
  cwd?: string
  /** Endpoint of a streamable-HTTP server on this machine; give this or `command`. */
  url?: string
  /** @default TOOL_DEFAULT_DATA_CLASS */
  dataClass?: DataClass
  /** @default MCP_RESTART_INITIAL_DELAY_MS */
  restartInitialDelayMs?: number
  /** @default MCP_RESTART_MAX_DELAY_MS */
  restartMaxDelayMs?: number
  /** @default MCP_RESTARTS_MAX */
  restartsMax?: number
  /** @default MCP_STABLE_UPTIME_MS */
  stableUptimeMs?: number
  /** @default MCP_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number
  /** @default MCP_MESSAGE_MAX_BYTES */
  maxMessageBytes?: number
}

export interface McpConnectorComponents {
  logger?: Logger
}

export type McpConnectorState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'failed' | 'stopped'

export interface McpConnectorStatus {
  state: McpConnectorState
  /** Process id of a running stdio server. */
  pid: number | null
  /** Restarts since the server was last healthy. */
  failures: number
  tools: number
}

interface Session { client: Client, opened: OpenedTransport, closed: boolean }

export function mcpConnector (init: McpConnectorInit): (components: McpConnectorComponents) => McpConnector {
  return (components) => new McpConnector(components, init)
}

export class McpConnector implements ToolProvider {
  readonly name: string
  readonly dataClass: DataClass
  private readonly log: Logger
  private readonly target: McpTarget
  private readonly init: Required<Pick<McpConnectorInit, 'restartInitialDelayMs' | 'restartMaxDelayMs' | 'restartsMax' | 'stableUptimeMs' | 'connectTimeoutMs' | 'maxMessageBytes'>>
  private state: McpConnectorState = 'idle'
  private session?: Session
  private tools: ToolSpec[] = []
  private failures = 0
  private connectedAt = 0
  private restartTimer?: ReturnType<typeof setTimeout>
  private connecting?: Promise<void>
  private readonly listeners = new Set<() => void>()
  private readonly waiters = new Set<{ resolve: () => void, reject: (err: Error) => void }>()

  constructor (components: McpConnectorComponents, init: McpConnectorInit) {
    this.name = init.name
    this.dataClass = init.dataClass ?? c.TOOL_DEFAULT_DATA_CLASS
    this.log = components.logger ?? createLogger(`mycel:node:tools:${init.name}`)
    if ((init.command === undefined) === (init.url === undefined)) throw new ToolProviderError(init.name, 'give either a command or a url')
    this.target = init.url !== undefined
      ? { kind: 'http', url: new URL(init.url) }
      : { kind: 'stdio', command: init.command as string, args: init.args ?? [], ...(init.env === undefined ? {} : { env: init.env }), ...(init.cwd === undefined ? {} : { cwd: init.cwd }) }
    this.init = {
      restartInitialDelayMs: init.restartInitialDelayMs ?? c.MCP_RESTART_INITIAL_DELAY_MS,
      restartMaxDelayMs: init.restartMaxDelayMs ?? c.MCP_RESTART_MAX_DELAY_MS,
      restartsMax: init.restartsMax ?? c.MCP_RESTARTS_MAX,
      stableUptimeMs: init.stableUptimeMs ?? c.MCP_STABLE_UPTIME_MS,
      connectTimeoutMs: init.connectTimeoutMs ?? c.MCP_CONNECT_TIMEOUT_MS,
      maxMessageBytes: init.maxMessageBytes ?? c.MCP_MESSAGE_MAX_BYTES
    }
  }

  /**
   * Starts the server and lists its tools. Resolves after the first attempt
   * either way: a server that does not come up is retried in the background,
   * so one broken registration never keeps the node from starting.
   */
  async start (): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'stopped') return
    this.failures = 0
    await this.connect()
  }

  /** Closes the session and ends the server process (stdin closed, then SIGTERM, then SIGKILL). */
  async stop (): Promise<void> {
    if (this.state === 'stopped' || this.state === 'idle') return
    this.state = 'stopped'
    clearTimeout(this.restartTimer)
    await this.connecting
    await this.close()
    this.settleWaiters(new ToolProviderUnavailableError(this.name, 'stopped'))
  }

  status (): McpConnectorStatus {
    return { state: this.state, pid: this.session?.opened.pid() ?? null, failures: this.failures, tools: this.tools.length }
  }

  /** Resolves once the server is connected (now, or after a restart); rejects if it is given up or stopped. */
  async connected (signal?: AbortSignal): Promise<void> {
    if (this.state === 'connected') return
    if (this.state === 'failed' || this.state === 'stopped') throw new ToolProviderUnavailableError(this.name, this.state)
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => { signal?.removeEventListener('abort', onAbort); resolve() },
        reject: (err: Error) => { signal?.removeEventListener('abort', onAbort); reject(err) }
      }
      const onAbort = (): void => { this.waiters.delete(waiter); reject(signal?.reason) }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.add(waiter)
    })
  }

  async listTools (): Promise<ToolSpec[]> {
    return this.tools
  }

  onToolsChanged (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async callTool (tool: string, args: Record<string, unknown>, options: ProviderCallOptions): Promise<ToolResult> {
    const session = this.session
    if (this.state !== 'connected' || session === undefined) throw new ToolProviderUnavailableError(this.name, this.state)
    try {
      // The registry's own timer fires first; the SDK's is only a backstop that frees its request slot.
      const result = await session.client.callTool({ name: tool, arguments: args }, undefined, { signal: options.signal, timeout: options.timeoutMs + 1000 })
      return result as unknown as ToolResult
    } catch (err) {
      if (options.signal.aborted || err instanceof ToolError) throw err
      // a session exists, so the SDK has loaded: this resolves at once
      const { ErrorCode, McpError } = await loadMcpClientSdk()
      if (session.closed || (err instanceof McpError && err.code === ErrorCode.ConnectionClosed)) throw new ToolProviderCrashedError(this.name)
      if (!(err instanceof McpError) && this.target.kind === 'http') {
        // An HTTP server has no process to watch: a failed request (refused, reset, an HTTP error
        // status such as a lost session) is its crash. Reconnect with the same back-off.
        this.log.error('MCP server %s: request failed (%s); reconnecting', this.name, (err as Error).message)
        void this.dropSession(session)
        throw new ToolProviderCrashedError(this.name)
      }
      throw new ToolProviderError(this.name, (err as Error).message ?? String(err))
    }
  }

  private async connect (): Promise<void> {
    this.state = 'connecting'
    const attempt = this.open()
    this.connecting = attempt.catch(() => {})
    try {
      await attempt
    } catch (err) {
      this.log.error('MCP server %s did not start: %s', this.name, (err as Error).message)
      await this.close()
      this.scheduleRestart()
    } finally {
      this.connecting = undefined
    }
  }

  private async open (): Promise<void> {
    const { Client, ToolListChangedNotificationSchema } = await loadMcpClientSdk()
    // stopped while the SDK loaded: start no server
    if (this.state !== 'connecting') throw new ToolProviderUnavailableError(this.name, this.state)
    const opened = await openTransport(this.name, this.target, this.init.maxMessageBytes, c.MCP_STDERR_LINE_MAX_CHARS, this.log)
    const client = new Client({ name: 'mycel', version: '0.1.0' }, { capabilities: {} })
    const session: Session = { client, opened, closed: false }
    this.session = session
    client.onclose = () => { this.onClosed(session) }
    client.onerror = (err) => { this.log('MCP server %s: %s', this.name, err.message) }
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      try {
        this.tools = await this.listAll(session)
        this.notify()
      } catch (err) {
        this.log.error('MCP server %s: listing tools failed: %s', this.name, (err as Error).message)
      }
    })
    await client.connect(opened.transport, { timeout: this.init.connectTimeoutMs })
    const tools = await this.listAll(session)
    if (this.state !== 'connecting' || session.closed) throw new ToolProviderUnavailableError(this.name, this.state)
    this.tools = tools
    this.state = 'connected'
    this.connectedAt = Date.now()
    this.log('MCP server %s connected (pid %s), %d tools', this.name, opened.pid() ?? '-', tools.length)
    this.notify()
    this.settleWaiters()
  }

  /** Follows `nextCursor` through every page, bounded in pages (the registry bounds the count). */
  private async listAll (session: Session): Promise<ToolSpec[]> {
    const out: ToolSpec[] = []
    let cursor: string | undefined
    for (let page = 0; page < c.MCP_LIST_PAGES_MAX; page++) {
      const result = await session.client.listTools(cursor === undefined ? {} : { cursor }, { timeout: this.init.connectTimeoutMs })
      for (const tool of result.tools) {
        const spec: ToolSpec = { name: tool.name, inputSchema: tool.inputSchema as ToolSpec['inputSchema'] }
        if (tool.description !== undefined) spec.description = tool.description
        if (tool.outputSchema !== undefined) spec.outputSchema = tool.outputSchema as ToolSpec['inputSchema']
        out.push(spec)
      }
      cursor = result.nextCursor
      if (cursor === undefined) return out
    }
    this.log.error('MCP server %s: tool list cut after %d pages', this.name, c.MCP_LIST_PAGES_MAX)
    return out
  }

  private onClosed (session: Session): void {
    session.closed = true
    if (this.session !== session) return
    this.session = undefined
    const wasConnected = this.state === 'connected'
    this.tools = []
    if (wasConnected) this.notify()
    if (this.state === 'stopped' || this.state === 'connecting') return // stop() closed it, or connect() handles it
    this.log.error('MCP server %s stopped; restarting', this.name)
    if (Date.now() - this.connectedAt >= this.init.stableUptimeMs) this.failures = 0
    this.scheduleRestart()
  }

  private async dropSession (session: Session): Promise<void> {
    if (this.session !== session || this.state !== 'connected') return
    await this.close()
    this.notify()
    if (Date.now() - this.connectedAt >= this.init.stableUptimeMs) this.failures = 0
    this.scheduleRestart()
  }

  private scheduleRestart (): void {
    if (this.state === 'stopped') return
    this.failures++
    if (this.failures > this.init.restartsMax) {
      this.state = 'failed'
      this.log.error('MCP server %s failed %d times in a row; giving up', this.name, this.failures - 1)
      this.settleWaiters(new ToolProviderUnavailableError(this.name, 'failed'))
      return
    }
    const delayMs = Math.min(this.init.restartInitialDelayMs * 2 ** (this.failures - 1), this.init.restartMaxDelayMs)
    this.state = 'backoff'
    this.restartTimer = setTimeout(() => { void this.connect() }, delayMs)
  }

  private async close (): Promise<void> {
    const session = this.session
    this.session = undefined
    this.tools = []
    if (session === undefined) return
    session.closed = true
    const pid = session.opened.pid()
    try {
      await session.client.close()
    } catch (err) {
      this.log('MCP server %s: close: %s', this.name, (err as Error).message)
    }
    if (pid !== null) await waitForExit(pid)
  }

  private notify (): void {
    for (const listener of this.listeners) listener()
  }

  private settleWaiters (err?: Error): void {
    for (const waiter of this.waiters) err === undefined ? waiter.resolve() : waiter.reject(err)
    this.waiters.clear()
  }
}

/** The SDK sends SIGKILL last without waiting for it; wait (bounded) until the pid is really gone. */
async function waitForExit (pid: number, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
