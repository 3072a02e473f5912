/**
 * `mycel sources add folder|git|mcp|mbox`, `ls`, `sync`, `rm`: where the
 * node's memory comes from. Sources are kept in sync by the running node
 * (a folder is watched), so each command goes through its control API.
 */
import { resolve } from 'node:path'
import type { Command, CommandContext, ParsedArgs } from '../command.ts'
import { UsageError } from '../errors.ts'
import { table } from '../output.ts'
import { ApiClient } from '../../api/client.ts'
import { DATA_CLASSES, type DataClass } from '../../../protocol/task/messages.ts'
import { SOURCE_KINDS, type SourceKind, type SourceSummary, type SyncReport } from '../../sources/index.ts'

export interface AddArgs { kind: SourceKind, target: string, branch?: string, collection?: string, dataClass?: DataClass, owner?: string }

export function parseAdd (args: ParsedArgs): AddArgs {
  const [kind, target] = args.positionals as [string, string]
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`KIND must be one of ${SOURCE_KINDS.join(', ')}`)
  const cls = args.values.class as string | undefined
  if (cls != null && !(DATA_CLASSES as readonly string[]).includes(cls)) throw new UsageError(`--class must be one of ${DATA_CLASSES.join(', ')}`)
  const branch = args.values.branch as string | undefined
  if (branch != null && kind !== 'git') throw new UsageError('--branch is for git sources')
  const collection = args.values.collection as string | undefined
  const owner = args.values.owner as string | undefined
  // a path is the caller's; a URL and an MCP server's name are taken as they are
  const remote = kind === 'mcp' || /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
  return {
    kind: kind as SourceKind,
    target: remote ? target : resolve(target),
    ...(branch != null ? { branch } : {}),
    ...(collection != null ? { collection } : {}),
    ...(cls != null ? { dataClass: cls as DataClass } : {}),
    ...(owner != null ? { owner } : {})
  }
}

function printReport (ctx: CommandContext, r: SyncReport): void {
  if (r.error != null) { ctx.out.line(`${r.id}: ${r.error}`); return }
  ctx.out.line(`${r.id}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.removed} removed, ${r.skipped.length} skipped${r.commit != null ? ` at ${r.commit.slice(0, 12)}` : ''}`)
  for (const s of r.skipped.slice(0, 5)) ctx.out.line(`  skipped ${s.path}: ${s.reason}`)
  if (r.skipped.length > 5) ctx.out.line(`  and ${r.skipped.length - 5} more skipped`)
}

export const sourcesAdd: Command = {
  path: ['sources', 'add'],
  summary: 'Keep a folder, git repository, MCP server or mbox file in sync with a memory collection',
  usage: '[--collection C] [--class CLASS] [--owner O] [--branch B] folder|git|mcp|mbox PATH|NAME',
  options: {
    collection: { type: 'string', short: 'c', help: 'Collection to keep it in (default: the source id)' },
    class: { type: 'string', help: `Data class of the collection: ${DATA_CLASSES.join(', ')} (default internal)` },
    owner: { type: 'string', help: 'Who answers for this source (default: this node\'s name)' },
    branch: { type: 'string', short: 'b', help: 'Branch of a git source (default: the current one)' }
  },
  positionals: { min: 2, max: 2 },
  async run (ctx, args) {
    const a = parseAdd(args)
    const r = await (await ApiClient.fromHome(ctx.home)).post<{ source: SourceSummary, sync: SyncReport }>('/api/sources', a, ctx.signal)
    if (ctx.json) { ctx.out.json(r); return r.sync.error != null ? 1 : 0 }
    ctx.out.line(`added ${r.source.id} (${r.source.kind} ${r.source.target}) into collection ${r.source.collection}`)
    printReport(ctx, r.sync)
    return r.sync.error != null ? 1 : 0
  }
}

export const sourcesLs: Command = {
  path: ['sources', 'ls'],
  summary: 'List sources with their last sync, counts and errors',
  async run (ctx) {
    const list = await (await ApiClient.fromHome(ctx.home)).get<SourceSummary[]>('/api/sources', ctx.signal)
    if (ctx.json) { ctx.out.json(list); return 0 }
    if (list.length === 0) { ctx.out.line('No sources yet; add one with `mycel sources add folder PATH`.'); return 0 }
    ctx.out.line(table(list.map(s => ({
      id: s.id,
      kind: s.kind,
      target: s.target,
      collection: s.collection,
      class: s.dataClass,
      owner: s.owner,
      documents: s.documents,
      synced: s.lastSyncAt != null ? new Date(s.lastSyncAt).toISOString() : 'never',
      errors: s.errors.length
    })), ['id', 'kind', 'target', 'collection', 'class', 'owner', 'documents', 'synced', 'errors']))
    for (const s of list) for (const e of s.errors.slice(0, 3)) ctx.out.line(`  ${s.id}: ${e}`)
    return 0
  }
}

export const sourcesSync: Command = {
  path: ['sources', 'sync'],
  summary: 'Sync one source now, or all of them',
  usage: '[ID]',
  positionals: { min: 0, max: 1 },
  async run (ctx, args) {
    const id = args.positionals[0]
    const reports = await (await ApiClient.fromHome(ctx.home)).post<SyncReport[]>('/api/sources/sync', id != null ? { id } : {}, ctx.signal)
    if (ctx.json) ctx.out.json(reports)
    else for (const r of reports) printReport(ctx, r)
    return reports.some(r => r.error != null) ? 1 : 0
  }
}

export const sourcesRm: Command = {
  path: ['sources', 'rm'],
  summary: 'Stop syncing a source and forget what it wrote (--keep keeps the documents)',
  usage: '[--keep] ID',
  options: { keep: { type: 'boolean', help: 'Keep the documents it wrote' } },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const id = args.positionals[0] as string
    const r = await (await ApiClient.fromHome(ctx.home)).post<{ id: string, forgotten: { documents: number } | null }>('/api/sources/rm', { id, ...(args.values.keep === true ? { keep: true } : {}) }, ctx.signal)
    if (ctx.json) ctx.out.json(r)
    else ctx.out.line(`removed ${r.id}${r.forgotten != null ? `, ${r.forgotten.documents} documents forgotten` : ''}`)
    return 0
  }
}

export const sourcesCommands: Command[] = [sourcesAdd, sourcesLs, sourcesSync, sourcesRm]
