/**
 * `mycel tools add|ls|rm`: the MCP servers registered in the home's
 * `tools.json`, which the node starts and supervises, offering their tools
 * as `NAME.TOOL`. `add` and `rm` edit the file only; a running node picks a
 * change up when it starts. `ls` shows the live tools of the mesh (this
 * node's and those of verified cards) when the node runs, else the file.
 */
import type { Command, CommandContext } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readHome } from '../home-state.ts'
import { table } from '../output.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { parseToolList } from '../../api/tool-routes.ts'
import { parseToolServers, readToolServers, writeToolServers, type ToolServerEntry } from '../../tools/config.ts'
import { PROVIDER_NAME_PATTERN, RESERVED_PROVIDER_NAMES, TOOL_DEFAULT_DATA_CLASS } from '../../tools/constants.ts'
import { homePaths } from '../../home/home.ts'
import { InvalidToolDefinitionError, UnknownToolServerError } from '../../tools/errors.ts'
import { DATA_CLASSES } from '../../policy/constants.ts'
import type { DataClass } from '../../policy/types.ts'

/** The file, once the home is known to be initialized (a stray tools.json would keep `init` from using the folder). */
async function toolsFile (ctx: CommandContext): Promise<string> {
  await readHome(ctx)
  return homePaths(ctx.home).tools
}

function checkName (name: string): void {
  if (!PROVIDER_NAME_PATTERN.test(name)) throw new UsageError(`NAME must be lower case letters, digits, "-" or "_", starting with a letter, at most 32 (got "${name.slice(0, 40)}")`)
  if (RESERVED_PROVIDER_NAMES.includes(name)) throw new UsageError(`"${name}" is the built-in ${name}.run; pick another NAME`)
}

/** The URL as tools.json would take it, a fault named after the flag. */
function checkUrl (name: string, url: string): string {
  try {
    parseToolServers([{ name, url }])
  } catch (err) {
    if (err instanceof InvalidToolDefinitionError) throw new UsageError(`--url ${err.reason.replace(/^"url" /, '')} (got "${url.slice(0, 80)}")`)
    throw err
  }
  return url
}

function dataClassOf (value: unknown): DataClass {
  if (value === undefined) return TOOL_DEFAULT_DATA_CLASS
  if (!DATA_CLASSES.includes(value as DataClass)) throw new UsageError(`--class must be one of ${DATA_CLASSES.join(', ')} (got "${String(value).slice(0, 40)}")`)
  return value as DataClass
}

/** The entry as a person reads it: the command line or the URL, never `env` (it may hold a token). */
function summary (entry: ToolServerEntry): { name: string, transport: 'stdio' | 'http', command?: string, args?: string[], url?: string, class: DataClass } {
  const out: ReturnType<typeof summary> = { name: entry.name, transport: entry.url !== undefined ? 'http' : 'stdio', class: entry.class ?? TOOL_DEFAULT_DATA_CLASS }
  if (entry.command !== undefined) out.command = entry.command
  if (entry.args !== undefined) out.args = entry.args
  if (entry.url !== undefined) out.url = entry.url
  return out
}

export const toolsAdd: Command = {
  path: ['tools', 'add'],
  summary: 'Register a local MCP server; the node starts and supervises it and offers its tools as NAME.TOOL',
  usage: 'NAME [--class C] (-- COMMAND [ARGS...] | --url URL)',
  options: {
    class: { type: 'string', help: `Data class of its tools' output: ${DATA_CLASSES.join(', ')} (default ${TOOL_DEFAULT_DATA_CLASS})` },
    url: { type: 'string', help: 'A streamable-HTTP MCP server on this machine, instead of a command after --' }
  },
  // more than NAME is taken here, to say where a command belongs
  positionals: { min: 1, max: 64 },
  passthrough: true,
  async run (ctx, args) {
    const name = args.positionals[0] as string
    checkName(name)
    if (args.positionals.length > 1) throw new UsageError(`Put the server's command after --: mycel tools add ${name} -- ${args.positionals.slice(1, 4).join(' ').slice(0, 80)}`)
    const dataClass = dataClassOf(args.values.class)
    const url = args.values.url as string | undefined
    const [command, ...rest] = args.passthrough ?? []
    if (url !== undefined && args.passthrough !== undefined) throw new UsageError('Give either --url URL or a command after --, not both')
    if (url === undefined && command === undefined) {
      throw new UsageError(`Give the server's command after --, e.g. mycel tools add ${name} -- npx -y @modelcontextprotocol/server-filesystem /srv/docs (or --url URL)`)
    }
    const entry: ToolServerEntry = { name, class: dataClass }
    if (url !== undefined) entry.url = checkUrl(name, url)
    if (command !== undefined) {
      entry.command = command
      if (rest.length > 0) entry.args = rest
    }
    const path = await toolsFile(ctx)
    const entries = await readToolServers(path)
    if (entries.some(e => e.name === name)) throw new UsageError(`A tool server named "${name}" is already registered (mycel tools rm ${name} first)`)
    try {
      await writeToolServers(path, [...entries, entry])
    } catch (err) {
      // the new entry is the only one not checked before: its fault, in one line
      if (err instanceof InvalidToolDefinitionError) {
        const field = err.tool.replace(/^tools\.json\[\d+\]\.?/, '') // `tools.json[3].args[0]` → `args[0]`
        throw new UsageError(`Cannot register "${name}": ${field === '' ? '' : `${field} `}${err.reason}`)
      }
      throw err
    }
    if (ctx.json) { ctx.out.json(summary(entry)); return }
    ctx.out.line(`Registered ${name} (${url ?? [command, ...rest].join(' ')}, class ${dataClass}); its tools appear as ${name}.TOOL when the node starts`)
  }
}

export const toolsLs: Command = {
  path: ['tools', 'ls'],
  summary: 'List the tools of the mesh (this node\'s and its members\'), or the registered servers when no node runs',
  async run (ctx) {
    const api = await readApiFile(ctx.home)
    if (api != null) {
      const tools = parseToolList(await new ApiClient(api.url, api.token).get('/api/tools', ctx.signal))
      if (ctx.json) { ctx.out.json(tools); return }
      if (tools.length === 0) { ctx.out.line('No tools on offer'); return }
      ctx.out.line(table(tools.map(t => ({ name: t.name, node: t.local ? `${t.nodeName} (this node)` : t.nodeName, class: t.class, callable: t.callable ? 'yes' : 'no (policy)', description: t.description.split('\n')[0]?.slice(0, 60) ?? '' })), ['name', 'node', 'class', 'callable', 'description']))
      return
    }
    const entries = (await readToolServers(await toolsFile(ctx))).map(summary)
    if (ctx.json) { ctx.out.json(entries); return }
    if (entries.length === 0) { ctx.out.line('No tool servers registered (mycel tools add NAME -- COMMAND [ARGS...])'); return }
    ctx.out.line(table(entries.map(e => ({ name: e.name, server: e.url ?? [e.command, ...(e.args ?? [])].join(' '), class: e.class })), ['name', 'server', 'class']))
  }
}

export const toolsRm: Command = {
  path: ['tools', 'rm'],
  summary: 'Remove a registered MCP server; the node stops offering its tools when it next starts',
  usage: 'NAME',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const name = args.positionals[0] as string
    const path = await toolsFile(ctx)
    const entries = await readToolServers(path)
    if (!entries.some(e => e.name === name)) throw new UnknownToolServerError(name.slice(0, 64))
    await writeToolServers(path, entries.filter(e => e.name !== name))
    if (ctx.json) { ctx.out.json({ removed: name }); return }
    ctx.out.line(`Removed ${name}`)
  }
}

export const toolsCommands: Command[] = [toolsAdd, toolsLs, toolsRm]
