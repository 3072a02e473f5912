import type { Command } from '../command.ts'
import { table } from '../output.ts'
import { homePaths } from '../../home/home.ts'
import { ModelRegistry } from '../../runtime/registry.ts'
import { inspectGpu } from './inspect.ts'
import { ApiClient } from '../../api/client.ts'
import type { CatalogEntrySummary } from '../../api/modules.ts'

function registry (home: string): ModelRegistry {
  return new ModelRegistry({ dir: homePaths(home).modelsDir })
}

const MIB = 1024 ** 2

export const modelsList: Command = {
  path: ['models', 'list'],
  summary: 'List the registered models with their SHA-256',
  async run (ctx) {
    const list = await registry(ctx.home).list()
    if (ctx.json) {
      ctx.out.json(list.map(m => ({ name: m.name, sha256: m.sha256, path: m.path, architecture: m.architecture, parameterCount: m.parameterCount, quantisation: m.quantisation, contextLength: m.contextLength, sizeBytes: m.sizeBytes })))
      return
    }
    if (list.length === 0) { ctx.out.line('No models registered; add one with `mycel models add PATH` or `mycel models pull URI`.'); return }
    ctx.out.line(table(list.map(m => ({ ...m, sha256: m.sha256.slice(0, 12), size: `${(m.sizeBytes / MIB).toFixed(1)} MiB`, context: m.contextLength, quant: m.quantisation })), ['name', 'architecture', 'quant', 'context', 'size', 'sha256', 'path']))
  }
}

export const modelsAdd: Command = {
  path: ['models', 'add'],
  summary: 'Register a local GGUF file (hashes it; a changed file is refused at load)',
  usage: '[--name NAME] [--sha256 HEX] PATH',
  options: {
    name: { type: 'string', help: 'Name to register it under (default: the file name)' },
    sha256: { type: 'string', help: 'The digest the file must have; a different file is refused' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const path = args.positionals[0] as string
    const name = args.values.name as string | undefined
    const m = await registry(ctx.home).add(path, {
      ...(name != null ? { name } : {}),
      ...expectedDigest(args.values.sha256),
      signal: ctx.signal,
      onProgress: (done, total) => { ctx.out.progress('hashing', done, total, { bytes: true }) }
    })
    if (ctx.json) { ctx.out.json(m); return }
    ctx.out.line(`added ${m.name}: ${m.architecture} ${m.quantisation}, ${m.parameterCount} parameters, context ${m.contextLength}, sha256 ${m.sha256}`)
  }
}

export const modelsRm: Command = {
  path: ['models', 'rm'],
  summary: 'Unregister a model (the file stays on disk)',
  usage: 'NAME',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const m = await registry(ctx.home).remove(args.positionals[0] as string)
    if (ctx.json) { ctx.out.json({ removed: m.name }); return }
    ctx.out.line(`removed ${m.name} (${m.path} left on disk)`)
  }
}

export const modelsPull: Command = {
  path: ['models', 'pull'],
  summary: 'Download a GGUF (hf:OWNER/REPO[:QUANT] or an https URL; an interrupted https pull resumes), then register it',
  usage: '[--name NAME] [--sha256 HEX] URI',
  options: {
    name: { type: 'string', help: 'Name to register it under (default: the file name)' },
    sha256: { type: 'string', help: 'The digest the download must have; a different file is deleted, nothing registered' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const name = args.values.name as string | undefined
    const m = await registry(ctx.home).pull(args.positionals[0] as string, {
      ...(name != null ? { name } : {}),
      ...expectedDigest(args.values.sha256),
      signal: ctx.signal,
      onResume: (from) => { ctx.out.error(`resuming the earlier download at ${(from / MIB).toFixed(1)} MiB`) },
      onProgress: (phase, done, total) => { ctx.out.progress(phase === 'download' ? 'downloading' : 'hashing', done, total, { bytes: true }) }
    })
    if (ctx.json) { ctx.out.json(m); return }
    ctx.out.line(`pulled ${m.name}: ${m.path}, sha256 ${m.sha256}`)
  }
}

/** `--sha256 HEX` as the registry takes it (hex in any case; the registry checks the form). */
function expectedDigest (value: unknown): { sha256?: string } {
  return typeof value === 'string' ? { sha256: value.trim().toLowerCase() } : {}
}

export const modelsApprove: Command = {
  path: ['models', 'approve'],
  summary: 'Put a model file on the org\'s signed catalog (admins; spreads to every member)',
  usage: '[--sha256 HEX] [--source TEXT] NAME',
  options: {
    sha256: { type: 'string', help: 'The file\'s digest (default: the file registered here under NAME)' },
    source: { type: 'string', help: 'Where the file comes from, for people (default: its path here)' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const source = args.values.source as string | undefined
    const entry = await (await ApiClient.fromHome(ctx.home)).post<CatalogEntrySummary>('/api/models/approve', {
      name: args.positionals[0],
      ...expectedDigest(args.values.sha256),
      ...(source != null ? { source } : {})
    }, ctx.signal)
    if (ctx.json) { ctx.out.json(entry); return }
    ctx.out.line(`approved ${entry.name}: sha256 ${entry.sha256}`)
  }
}

export const modelsWithdraw: Command = {
  path: ['models', 'withdraw'],
  summary: 'Take a model (name or digest) off the org\'s catalog (admins)',
  usage: 'NAME|SHA256',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const r = await (await ApiClient.fromHome(ctx.home)).post<{ withdrawn: string }>('/api/models/withdraw', { model: args.positionals[0] }, ctx.signal)
    if (ctx.json) { ctx.out.json(r); return }
    ctx.out.line(`withdrew ${r.withdrawn}`)
  }
}

export const modelsCatalog: Command = {
  path: ['models', 'catalog'],
  summary: 'List the model files the org\'s signed catalog approves',
  async run (ctx) {
    const c = await (await ApiClient.fromHome(ctx.home)).get<{ seq: number, models: CatalogEntrySummary[] }>('/api/models/catalog', ctx.signal)
    if (ctx.json) { ctx.out.json(c); return }
    if (c.models.length === 0) { ctx.out.line('The org\'s model catalog is empty; an admin adds to it with `mycel models approve NAME`.'); return }
    ctx.out.line(table(c.models.map(m => ({ ...m, sha256: m.sha256.slice(0, 12), approved: new Date(m.approvedAt).toISOString().slice(0, 19) + 'Z' })), ['name', 'sha256', 'approved', 'source']))
    ctx.out.line(`catalog seq ${c.seq}`)
  }
}

/** The runtime's commands, for `commands/index.ts`. */
export const runtimeCommands: Command[] = [modelsList, modelsAdd, modelsRm, modelsPull, modelsApprove, modelsWithdraw, modelsCatalog, inspectGpu]
