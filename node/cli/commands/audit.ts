import type { Command, CommandContext } from '../command.ts'
import { UsageError } from '../errors.ts'
import type { PeerVerifyResult } from '../../witness/index.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { homePaths } from '../../home/home.ts'
import { openNodeDb } from '../../home/db.ts'
import { AuditLog } from '../../audit/log.ts'
import { highWaterFile, highWaterPath } from '../../audit/high-water.ts'
import { entryToJson } from '../../audit/entry.ts'
import { formatTrace, traceTask, type TraceNode } from '../../audit/trace.ts'
import type { AuditVerifyResult } from '../../audit/verify.ts'
import { verify } from '../../../identity/keys.ts'
import { inspectSecretFile } from '../../../identity/secret-file.ts'
import { parseInteger } from '../parse.ts'
import { table } from '../output.ts'
import { NotInitializedError } from '../../home/config.ts'

/** Opens the audit log straight from disk when no node is running (read-only use). */
async function withOfflineLog<T> (home: string, fn: (log: AuditLog) => Promise<T>): Promise<T> {
  const paths = homePaths(home)
  const info = await inspectSecretFile(paths.identityKey).catch(() => undefined)
  if (info?.publicKey == null) throw new NotInitializedError(home)
  const db = await openNodeDb(paths.dataDir)
  try {
    const log = new AuditLog({
      db: db.sublevel<string, Uint8Array>('audit', { valueEncoding: 'view' }) as any,
      publicKey: info.publicKey,
      verify,
      highWater: highWaterFile(highWaterPath(paths.identityKey)),
      sign: () => { throw new Error('read-only') }
    }, { checkpointIntervalMs: 0 })
    return await fn(log)
  } finally {
    await db.close()
  }
}

export const auditTail: Command = {
  path: ['audit', 'tail'],
  summary: 'Show the latest audit entries',
  usage: '[-n N]',
  options: { n: { type: 'string', short: 'n', help: 'How many entries (default 20)' } },
  async run (ctx, args) {
    const n = args.values.n != null ? parseInteger(args.values.n as string, '-n', { min: 1, max: 1000 }) : 20
    const entries = await readApiFile(ctx.home) != null
      ? await (await ApiClient.fromHome(ctx.home)).get<Array<Record<string, unknown>>>(`/api/audit/tail?n=${n}`, ctx.signal)
      : await withOfflineLog(ctx.home, async log => (await log.tail(n)).map(entryToJson))
    if (ctx.json) { ctx.out.json(entries); return }
    ctx.out.line(table(entries.map(e => ({ ...e, time: new Date(e.time as number).toISOString().slice(11, 23), data: e.data })), ['seq', 'time', 'type', 'task', 'peer', 'data']))
  }
}

export const auditVerify: Command = {
  path: ['audit', 'verify'],
  summary: 'Recompute the audit log\'s hash chain, Merkle tree and signed checkpoints; --peers: and prove it consistent with what members hold',
  usage: '[--peers]',
  options: { peers: { type: 'boolean', help: 'Also ask the connected members for the checkpoints of this node they hold and prove the log consistent with each (needs the running node)' } },
  async run (ctx, args) {
    if (args.values.peers === true) return await verifyPeers(ctx)
    const result = await readApiFile(ctx.home) != null
      ? await (await ApiClient.fromHome(ctx.home)).get<AuditVerifyResult>('/api/audit/verify', ctx.signal)
      : await withOfflineLog(ctx.home, async log => await log.verify())
    if (ctx.json) ctx.out.json(result)
    else if (result.ok) ctx.out.line(`ok: ${result.entries} entries; hash chain, Merkle tree and checkpoint signatures all check`)
    else ctx.out.line(`FAILED at entry ${String(result.firstBad?.seq)}: ${String(result.firstBad?.reason)}`)
    return result.ok ? 0 : 1
  }
}

export const auditTrace: Command = {
  path: ['audit', 'trace'],
  summary: 'Show the tree of tasks a delegation chain links to TASK_ID (parent and children), from the entries this node holds',
  usage: 'TASK_ID',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const id = args.positionals[0]
    if (id == null || !/^[0-9a-f]{32}$/.test(id)) throw new UsageError('audit trace needs a task id (32 hex characters)')
    const tree = await readApiFile(ctx.home) != null
      ? await (await ApiClient.fromHome(ctx.home)).get<TraceNode>(`/api/audit/trace/${id}`, ctx.signal)
      : await withOfflineLog(ctx.home, async log => await traceTask(log, id))
    if (tree == null) throw new UsageError(`no audit entry of task ${id} on this node`)
    if (ctx.json) { ctx.out.json(tree); return }
    for (const line of formatTrace(tree)) ctx.out.line(line)
  }
}

/** `audit verify --peers`: only the running node can ask the members, so it goes through the control API. */
async function verifyPeers (ctx: CommandContext): Promise<number> {
  if (await readApiFile(ctx.home) == null) throw new UsageError('audit verify --peers asks the members through the running node: start it first (mycel start)')
  const result = await (await ApiClient.fromHome(ctx.home)).get<PeerVerifyResult>('/api/audit/verify-peers', ctx.signal)
  if (ctx.json) { ctx.out.json(result); return result.ok ? 0 : 1 }
  if (!result.local.ok) ctx.out.line(`FAILED at entry ${String(result.local.firstBad?.seq)}: ${String(result.local.firstBad?.reason)}`)
  const bad = result.witnesses.filter(w => w.status === 'rolled-back' || w.status === 'inconsistent')
  for (const w of bad) ctx.out.line(`FAILED: ${w.reason}`)
  const held = result.witnesses.filter(w => w.status === 'consistent')
  if (result.ok) {
    ctx.out.line(`ok: ${result.entries} entries; consistent with the checkpoints ${held.length} witness${held.length === 1 ? '' : 'es'} hold (${held.map(w => `${w.peer.slice(-8)}: ${w.checkpoint?.size ?? 0}`).join(', ')})`)
  } else if (result.local.ok && bad.length === 0) {
    ctx.out.line(`FAILED: no connected member holds a checkpoint of this node yet (${result.witnesses.length} asked), so nothing vouches for its log`)
  }
  if (ctx.verbose) for (const w of result.witnesses) ctx.out.line(`  ${w.status.padEnd(12)} ${w.reason}`)
  return result.ok ? 0 : 1
}
