/**
 * `mycel memory forget --source ID | --match TEXT [--mesh]`: erases a
 * source's documents (chunks, vectors, the conversation summaries that
 * copied them) on this node and, with `--mesh`, on every member, which each
 * report back. Needs the running node: it holds the database and the mesh.
 */
import type { Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { ApiClient } from '../../api/client.ts'
import type { MeshForgetReport } from '../../tasks/kinds/memory-forget.ts'

export const memoryForget: Command = {
  path: ['memory', 'forget'],
  summary: 'Erase a source\'s documents here, and with --mesh on every member',
  usage: '--source ID | --match TEXT [--mesh]',
  options: {
    source: { type: 'string', help: 'Source id (see `mycel sources ls`)' },
    match: { type: 'string', help: 'Documents whose name or text contains this' },
    mesh: { type: 'boolean', help: 'Ask every member to erase the same' }
  },
  async run (ctx, args) {
    const source = args.values.source as string | undefined
    const match = args.values.match as string | undefined
    if ((source == null) === (match == null)) throw new UsageError('Name a source id with --source, or a string with --match (one of them)')
    const r = await (await ApiClient.fromHome(ctx.home)).post<MeshForgetReport>('/api/memory/forget', {
      ...(source != null ? { source } : {}), ...(match != null ? { match } : {}), ...(args.values.mesh === true ? { mesh: true } : {})
    }, ctx.signal)
    if (ctx.json) { ctx.out.json(r); return r.members.some(m => 'error' in m) ? 1 : 0 }
    ctx.out.line(`this node: ${r.local.documents} documents, ${r.local.chunks} chunks, ${r.local.summaries} summaries erased`)
    for (const m of r.members) ctx.out.line('error' in m ? `${m.node}: failed: ${m.error}` : `${m.node}: ${m.documents} documents, ${m.chunks} chunks, ${m.summaries} summaries erased`)
    return r.members.some(m => 'error' in m) ? 1 : 0
  }
}
