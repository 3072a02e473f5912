/**
 * One entry of `tools.json` in the home (written by `mycel tools add`), and
 * its mapping onto a connector's init. The file is outside data: every field
 * is checked and bounded here, with one clear line on the first fault.
 *
 * @example
 * // tools.json: [{ "name": "fs", "command": "mcp-server-filesystem", "args": ["/srv/docs"], "class": "confidential" }]
 * const entries = await readToolServers(homePaths(home).tools)  // [] when there is no file
 * for (const entry of entries) await tools.add(mcpConnector(connectorInit(entry))({ logger }))
 */
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import { PROVIDER_NAME_PATTERN, RESERVED_PROVIDER_NAMES, TOOLS_FILE_MAX_BYTES } from './constants.ts'
import { InvalidToolDefinitionError, InvalidToolsFileError } from './errors.ts'
import type { McpConnectorInit } from './mcp-connector.ts'
import type { DataClass } from './types.ts'

export interface ToolServerEntry {
  name: string
  command?: string
  args?: string[]
  env?: Record<string, string>
  url?: string
  class?: DataClass
}

/** How parse errors name the file (`tools.json[2].args[0]`). */
const FILE_LABEL = 'tools.json'
/** Servers one home may register. */
export const TOOL_SERVERS_MAX = 64
/** Hosts a `url` server may be on: this machine only, whose tools the node offers as its own. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])
const DATA_CLASSES: readonly DataClass[] = ['public', 'internal', 'confidential', 'local-only']
const STRING_MAX_CHARS = 4096
const ARGS_MAX = 64

export function parseToolServers (value: unknown): ToolServerEntry[] {
  if (!Array.isArray(value)) throw new InvalidToolDefinitionError(FILE_LABEL, 'must be an array of servers')
  if (value.length > TOOL_SERVERS_MAX) throw new InvalidToolDefinitionError(FILE_LABEL, `lists more than ${TOOL_SERVERS_MAX} servers`)
  const seen = new Set<string>()
  return value.map((item, i) => {
    const entry = parseEntry(item, `${FILE_LABEL}[${i}]`)
    if (seen.has(entry.name)) throw new InvalidToolDefinitionError(`${FILE_LABEL}[${i}]`, `the name "${entry.name}" is used twice`)
    seen.add(entry.name)
    return entry
  })
}

/** Reads and checks `tools.json`; no file is no servers. */
export async function readToolServers (path: string): Promise<ToolServerEntry[]> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  if (bytes.byteLength > TOOLS_FILE_MAX_BYTES) throw new InvalidToolsFileError(path, `is larger than ${TOOLS_FILE_MAX_BYTES} bytes`)
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new InvalidToolsFileError(path, 'is not valid JSON')
  }
  try {
    return parseToolServers(value)
  } catch (err) {
    if (!(err instanceof InvalidToolDefinitionError)) throw err
    // `tools.json[2].args[0]` → `[2].args[0]`: the path already names the file
    const where = err.tool.startsWith(FILE_LABEL) ? err.tool.slice(FILE_LABEL.length) : err.tool
    throw new InvalidToolsFileError(path, where === '' ? err.reason : `${where} ${err.reason}`)
  }
}

/**
 * Checks the entries as `readToolServers` would, then replaces the file in
 * one atomic step (0600: `env` may hold a token), so the node never reads
 * half a file.
 */
export async function writeToolServers (path: string, entries: ToolServerEntry[]): Promise<void> {
  const checked = parseToolServers(entries)
  await writeFileAtomic(path, Buffer.from(JSON.stringify(checked, null, 2) + '\n'), { mode: 0o600 })
}

export function connectorInit (entry: ToolServerEntry): McpConnectorInit {
  const init: McpConnectorInit = { name: entry.name, dataClass: entry.class ?? 'internal' }
  if (entry.url !== undefined) init.url = entry.url
  if (entry.command !== undefined) init.command = entry.command
  if (entry.args !== undefined) init.args = entry.args
  if (entry.env !== undefined) init.env = entry.env
  return init
}

function parseEntry (item: unknown, where: string): ToolServerEntry {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new InvalidToolDefinitionError(where, 'is not an object')
  const { name, command, args, env, url, class: dataClass, ...rest } = item as Record<string, unknown>
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) throw new InvalidToolDefinitionError(where, `unknown field "${unknown.slice(0, 64)}"`)
  if (typeof name !== 'string' || !PROVIDER_NAME_PATTERN.test(name)) throw new InvalidToolDefinitionError(where, `"name" must match ${String(PROVIDER_NAME_PATTERN)}`)
  if (RESERVED_PROVIDER_NAMES.includes(name)) throw new InvalidToolDefinitionError(where, `"name" "${name}" is taken by a built-in tool provider`)
  if ((command === undefined) === (url === undefined)) throw new InvalidToolDefinitionError(where, 'give exactly one of "command" and "url"')
  const entry: ToolServerEntry = { name }
  if (command !== undefined) entry.command = boundedString(command, `${where}.command`)
  if (url !== undefined) {
    const text = boundedString(url, `${where}.url`)
    let parsed: URL
    try {
      parsed = new URL(text)
    } catch {
      throw new InvalidToolDefinitionError(where, '"url" is not a URL')
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidToolDefinitionError(where, '"url" must be http or https')
    if (!LOOPBACK_HOSTS.has(parsed.hostname) && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(parsed.hostname)) {
      throw new InvalidToolDefinitionError(where, '"url" must be on this machine (localhost, 127.0.0.1 or [::1])')
    }
    entry.url = text
  }
  if (args !== undefined) {
    if (!Array.isArray(args) || args.length > ARGS_MAX) throw new InvalidToolDefinitionError(where, `"args" must be an array of at most ${ARGS_MAX} strings`)
    entry.args = args.map((a, i) => boundedString(a, `${where}.args[${i}]`))
  }
  if (env !== undefined) {
    if (typeof env !== 'object' || env === null || Array.isArray(env) || Object.keys(env).length > ARGS_MAX) throw new InvalidToolDefinitionError(where, '"env" must be an object of strings')
    entry.env = Object.fromEntries(Object.entries(env).map(([k, v]) => [boundedString(k, `${where}.env`), boundedString(v, `${where}.env.${k}`)]))
  }
  if (dataClass !== undefined) {
    if (!DATA_CLASSES.includes(dataClass as DataClass)) throw new InvalidToolDefinitionError(where, `"class" must be one of ${DATA_CLASSES.join(', ')}`)
    entry.class = dataClass as DataClass
  }
  return entry
}

function boundedString (value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > STRING_MAX_CHARS) throw new InvalidToolDefinitionError(where, `must be a string of 1 to ${STRING_MAX_CHARS} characters`)
  return value
}
