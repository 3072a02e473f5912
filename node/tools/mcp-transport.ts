/**
 * Transports to one MCP server, from the official SDK: a child process over
 * stdio, or a streamable-HTTP endpoint on this machine. Both bound what the
 * server may send in one message, so a 100 MB answer is refused while it
 * arrives instead of after it was buffered and parsed.
 */
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { Logger } from '../logger.ts'
import { ToolOutputTooLargeError } from './errors.ts'
import { loadMcpClientSdk } from './mcp-sdk.ts'

export type McpTarget =
  | { kind: 'stdio', command: string, args: string[], env?: Record<string, string>, cwd?: string }
  | { kind: 'http', url: URL }

export interface OpenedTransport {
  transport: Transport
  /** The server's process id (stdio only). */
  pid: () => number | null
}

/**
 * A stdio server gets only the SDK's small default environment (PATH, HOME,
 * …) plus the `env` its registration names: the node's own secrets never
 * reach it. Its stderr goes line by line to the logger, each line bounded.
 */
export async function openTransport (provider: string, target: McpTarget, maxMessageBytes: number, maxLineChars: number, log: Logger): Promise<OpenedTransport> {
  const { StdioClientTransport, StreamableHTTPClientTransport } = await loadMcpClientSdk()
  if (target.kind === 'http') {
    const transport = new StreamableHTTPClientTransport(target.url, { fetch: boundedFetch(provider, maxMessageBytes) })
    return { transport, pid: () => null }
  }
  const transport = new StdioClientTransport({
    command: target.command,
    args: target.args,
    ...(target.env === undefined ? {} : { env: target.env }),
    ...(target.cwd === undefined ? {} : { cwd: target.cwd }),
    stderr: 'pipe',
    maxBufferSize: maxMessageBytes
  })
  const stderr = transport.stderr
  if (stderr !== null) {
    const lines = createInterface({ input: stderr as Readable, crlfDelay: Infinity })
    lines.on('line', line => { log('%s stderr: %s', provider, line.length > maxLineChars ? `${line.slice(0, maxLineChars)}…` : line) })
    lines.on('error', () => {})
  }
  return { transport, pid: () => transport.pid }
}

/**
 * A `fetch` whose answers to POSTed messages are read whole, up to
 * `maxBytes`, before the SDK sees them: over the bound the request fails
 * with `ToolOutputTooLargeError` (an error inside the body stream would only
 * reach the SDK's `onerror`, and the call would wait for its timeout). The
 * one long-lived GET event stream (server notifications) is left as it is.
 */
function boundedFetch (provider: string, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    if ((init?.method ?? 'GET').toUpperCase() !== 'POST' || response.body === null) return response
    const reader = response.body.getReader()
    const chunks: Uint8Array[] = []
    let seen = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      seen += value.byteLength
      if (seen > maxBytes) {
        await reader.cancel()
        throw new ToolOutputTooLargeError(provider, maxBytes)
      }
      chunks.push(value)
    }
    return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}
