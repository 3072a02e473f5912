/**
 * `mycel ask QUESTION`: answers from this machine's memory with a local
 * model, citing the retrieved chunks as numbered sources. Local only for
 * now; delegation to peers (`memory.ask` over the mesh) comes with the node's
 * control API. The handler parses, then calls `runAsk` with the store and a
 * generate function, so the same path can run behind the control API.
 */
import type { Command, CommandContext, ParsedArgs } from '../command.ts'
import { UsageError } from '../errors.ts'
import { homePaths } from '../../home.ts'
import { openMemory, type GenerateFn, type MemoryStore } from '../../memory/index.ts'
import { MAX_SEARCH_K, SEARCH_K } from '../../memory/constants.ts'
import { ModelRegistry, runtime } from '../../runtime/index.ts'
import { memoryDir } from './memory.ts'
import { readApiFile } from '../../api/client.ts'
import { askThroughNode } from './ask-mesh.ts'

export interface AskArgs { question: string, collection?: string, model?: string, k: number, maxTokens?: number }

export function parseAsk (args: ParsedArgs): AskArgs {
  const question = args.positionals.join(' ').trim()
  if (question === '') throw new UsageError('The question is empty')
  const int = (name: string, def: number | undefined, max: number): number | undefined => {
    const raw = args.values[name] as string | undefined
    if (raw == null) return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}`)
    return n
  }
  const collection = args.values.collection as string | undefined
  const model = args.values.model as string | undefined
  const maxTokens = int('max-tokens', undefined, 1_000_000)
  return {
    question,
    k: int('k', SEARCH_K, MAX_SEARCH_K) as number,
    ...(collection != null ? { collection } : {}),
    ...(model != null ? { model } : {}),
    ...(maxTokens != null ? { maxTokens } : {})
  }
}

/** Answers `a.question` from `store`. `streamed`: `generate` already wrote the answer to the output as it came. */
export async function runAsk (store: MemoryStore, a: AskArgs, generate: GenerateFn, ctx: Pick<CommandContext, 'out' | 'json' | 'signal'>, streamed = false): Promise<number> {
  const r = await store.ask(a.question, { generate, k: a.k, signal: ctx.signal, ...(a.collection != null ? { collection: a.collection } : {}) })
  if (ctx.json) {
    ctx.out.json({ answer: r.answer, sources: r.sources.map(s => ({ n: s.n, source: s.source, collection: s.collection, score: s.score, text: s.text })) })
    return 0
  }
  if (r.sources.length === 0) { ctx.out.line(r.answer); return 0 }
  ctx.out.line(streamed ? '' : r.answer)
  ctx.out.line()
  ctx.out.line('Sources:')
  for (const s of r.sources) ctx.out.line(`  [${s.n}] ${s.source} (${s.collection})`)
  return 0
}

export const ask: Command = {
  path: ['ask'],
  summary: 'Answer a question from memory with a local model, citing sources',
  usage: '[--collection C] [--model NAME] [--k N] [--max-tokens N] QUESTION',
  options: {
    collection: { type: 'string', short: 'c', help: 'Search one collection (default: all)' },
    model: { type: 'string', short: 'm', help: 'Registered model to answer with (default: the first one)' },
    k: { type: 'string', short: 'k', help: `Chunks given to the model (default ${SEARCH_K})` },
    'max-tokens': { type: 'string', help: 'Longest answer in tokens' },
    peer: { type: 'string', help: 'Ask this member (its memory and model); needs a running node' },
    local: { type: 'boolean', help: 'Answer on this node even when members could' }
  },
  positionals: { min: 1, max: 1000 },
  async run (ctx, args) {
    const a = parseAsk(args)
    // with a running node the question is a task the mesh routes; without one, this machine answers alone
    if (await readApiFile(ctx.home) != null) {
      return await askThroughNode(ctx, { ...a, ...(args.values.peer != null ? { peer: args.values.peer as string } : {}), ...(args.values.local === true ? { local: true } : {}) })
    }
    if (args.values.peer != null) throw new UsageError('--peer needs a running node (`mycel start`)')
    const registry = new ModelRegistry({ dir: homePaths(ctx.home).modelsDir })
    const model = a.model ?? (await registry.list())[0]?.name
    if (model == null) throw new UsageError('No model registered; add one with `mycel models add PATH` or `mycel models pull URI`')
    const rt = runtime()({ registry })
    const passphrase = ctx.env.MYCEL_PASSPHRASE
    const memory = await openMemory(memoryDir(ctx.home), passphrase != null && passphrase !== '' ? { passphrase } : {})
    try {
      const generate: GenerateFn = async (prompt, opts) => {
        await rt.start()
        const r = await rt.complete({
          model,
          prompt,
          ...(a.maxTokens != null ? { maxTokens: a.maxTokens } : {}),
          ...(opts?.signal != null ? { signal: opts.signal } : {}),
          ...(ctx.json ? {} : { onText: (t: string) => { ctx.out.write(t) } })
        })
        return r.text
      }
      return await runAsk(memory.store, a, generate, ctx, !ctx.json)
    } finally {
      await rt.stop()
      await memory.close()
    }
  }
}
