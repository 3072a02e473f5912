/**
 * The resources of an MCP server registered with `mycel tools add`, as
 * documents: listed (every page, bounded), each read once per sync through
 * the official SDK client over the same transport the tools use. Text
 * contents are indexed as they are; a blob is decoded and read by its name
 * (a PDF through the PDF extractor).
 */
import type { Logger } from '../logger.ts'
import type { TextDoc } from '../memory/index.ts'
import { openTransport, type McpTarget } from '../tools/mcp-transport.ts'
import { loadMcpClientSdk } from '../tools/mcp-sdk.ts'
import { readToolServers } from '../tools/config.ts'
import { MCP_MESSAGE_MAX_BYTES, MCP_STDERR_LINE_MAX_CHARS } from '../tools/constants.ts'
import { MAX_MCP_RESOURCES, MCP_REQUEST_TIMEOUT_MS } from './constants.ts'
import { InvalidSourceError } from './errors.ts'

export interface McpResources {
  docs: TextDoc[]
  skipped: Array<{ path: string, reason: string }>
}

/** Reads every resource of the registered server `name`. */
export async function mcpResources (toolsFile: string, name: string, sourceId: string, log: Logger, signal?: AbortSignal): Promise<McpResources> {
  const entry = (await readToolServers(toolsFile)).find(e => e.name === name)
  if (entry == null) throw new InvalidSourceError(`No MCP server named ${name} is registered (add it with \`mycel tools add\`)`)
  const target: McpTarget = entry.url != null ? { kind: 'http', url: new URL(entry.url) } : { kind: 'stdio', command: entry.command ?? '', args: entry.args ?? [], ...(entry.env != null ? { env: entry.env } : {}) }
  const { Client } = await loadMcpClientSdk()
  const opened = await openTransport(name, target, MCP_MESSAGE_MAX_BYTES, MCP_STDERR_LINE_MAX_CHARS, log)
  const client = new Client({ name: 'mycel-sources', version: '0.1.0' }, { capabilities: {} })
  const opts = { timeout: MCP_REQUEST_TIMEOUT_MS, ...(signal != null ? { signal } : {}) }
  try {
    await client.connect(opened.transport, opts)
    if (client.getServerCapabilities()?.resources == null) throw new InvalidSourceError(`MCP server ${name} offers no resources`)
    const uris: string[] = []
    let cursor: string | undefined
    do {
      const page = await client.listResources(cursor != null ? { cursor } : {}, opts)
      for (const r of page.resources) if (uris.length < MAX_MCP_RESOURCES) uris.push(r.uri)
      cursor = page.nextCursor
    } while (cursor != null && uris.length < MAX_MCP_RESOURCES)
    const out: McpResources = { docs: [], skipped: [] }
    for (const uri of uris) {
      try {
        const { contents } = await client.readResource({ uri }, opts)
        const parts = contents.map(c => 'text' in c && typeof c.text === 'string' ? Buffer.from(c.text, 'utf8') : Buffer.from(String((c as { blob?: string }).blob ?? ''), 'base64'))
        out.docs.push({ source: `mcp://${name}/${uri}`, rel: uri.replace(/[?#].*$/, ''), sourceId, bytes: Buffer.concat(parts) })
      } catch (err) {
        out.skipped.push({ path: uri, reason: `could not be read (${String((err as Error).message).slice(0, 200)})` })
      }
    }
    return out
  } finally {
    await client.close().catch(() => {})
  }
}
