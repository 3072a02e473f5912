/**
 * `mycel tool call NAME --args JSON [--peer P] [--local] [--json]`: calls a
 * tool of the mesh through the running node, as a `tool.call` task routed to
 * a member whose card offers it (or the one `--peer` names). Prints the
 * result's text; a tool's own error (`isError`) goes to stderr, exit 1.
 */
import type { Command } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import { resolvePeer } from '../peer-ref.ts'
import { parseToolCallAnswer } from '../../api/tool-routes.ts'
import { UsageError } from '../errors.ts'
import { parseInteger } from '../parse.ts'

export const toolCall: Command = {
  path: ['tool', 'call'],
  summary: 'Call a tool of the mesh (NAME is PROVIDER.TOOL, e.g. fs.read_text_file) and print its result',
  usage: 'NAME [--args JSON] [--peer PEER] [--local] [--timeout MS]',
  options: {
    args: { type: 'string', help: 'The arguments, a JSON object (default {})' },
    peer: { type: 'string', help: 'Call it on this member only (peer id or name)' },
    local: { type: 'boolean', help: 'Call it on this node' },
    timeout: { type: 'string', help: 'Milliseconds the call may take (default 30000)' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, a) {
    const tool = a.positionals[0] as string
    let args: unknown = {}
    if (a.values.args != null) {
      try {
        args = JSON.parse(a.values.args as string)
      } catch {
        throw new UsageError('--args must be a JSON object, e.g. --args \'{"path":"/srv/a.md"}\'')
      }
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new UsageError('--args must be a JSON object, not an array or a value')
    }
    if (a.values.peer != null && a.values.local === true) throw new UsageError('--peer and --local exclude each other')
    const api = await ApiClient.fromHome(ctx.home)
    const peer = a.values.peer != null ? await resolvePeer(api, a.values.peer as string, ctx.signal) : undefined
    const body = {
      tool,
      arguments: args,
      ...(peer != null ? { peer } : {}),
      ...(a.values.local === true ? { local: true } : {}),
      ...(a.values.timeout != null ? { timeoutMs: parseInteger(a.values.timeout as string, '--timeout', { min: 1, max: 600_000 }) } : {})
    }
    const answer = parseToolCallAnswer(await api.post('/api/tools/call', body, ctx.signal))
    if (ctx.json) { ctx.out.json(answer); return answer.result.isError ? 1 : undefined }
    const text = answer.result.content.map(c => c.type === 'text' ? c.text : JSON.stringify(c)).join('\n')
    if (answer.result.isError) { ctx.out.error(text); return 1 }
    ctx.out.line(text)
    ctx.out.error(`[${tool} ran on ${answer.executor}]`)
  }
}
