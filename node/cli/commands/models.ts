import type { Command } from '../command.ts'
import { table } from '../output.ts'
import { homePaths } from '../../home/home.ts'
import { ModelRegistry } from '../../runtime/registry.ts'
import { inspectGpu } from './inspect.ts'

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
  summary: 'Download a GGUF (hf:OWNER/REPO[:QUANT] or an https URL), then register it',
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

/** The runtime's commands, for `commands/index.ts`. */
export const runtimeCommands: Command[] = [modelsList, modelsAdd, modelsRm, modelsPull, inspectGpu]
