/**
 * `mycel ask` and `mycel memory classify` against a running node: the
 * question becomes a `memory.ask` task that the mesh routes like any other
 * (to this node or to a member whose policy lets us read its collection).
 */
import type { Command, CommandContext } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import { UsageError } from '../errors.ts'
import { DATA_CLASSES } from '../../../protocol/task/messages.ts'
import { RunFailedError } from './run.ts'
import type { AskArgs } from './ask.ts'

interface AskEvent { type: string, text?: string, taskId?: string, executor?: string, output?: { answer: string, sources: Array<{ n: number, source: string, collection: string, score: number }> }, error?: { code: string, message: string } }

export interface MeshAskArgs extends AskArgs { peer?: string, local?: boolean }

/** Runs `memory.ask` through the running node; streams the answer, then prints numbered sources. */
export async function askThroughNode (ctx: CommandContext, a: MeshAskArgs): Promise<number> {
  const input: Record<string, unknown> = { question: a.question, k: a.k }
  if (a.collection != null) input.collection = a.collection
  if (a.model != null) input.model = a.model
  if (a.maxTokens != null) input.maxTokens = a.maxTokens
  const api = await ApiClient.fromHome(ctx.home)
  let result: AskEvent | undefined
  for await (const e of api.stream<AskEvent>('/api/tasks', {
    kind: 'memory.ask',
    input,
    ...(a.collection != null ? { collection: a.collection } : {}),
    ...(a.peer != null ? { peer: a.peer } : {}),
    ...(a.local === true ? { local: true } : {})
  }, ctx.signal)) {
    if (e.type === 'text' && !ctx.json) ctx.out.write(e.text ?? '')
    else if (e.type === 'error') throw new RunFailedError(e.error?.code ?? 'Error', e.error?.message ?? 'Ask failed')
    else if (e.type === 'result') result = e
  }
  const out = result?.output
  if (out == null) throw new RunFailedError('Error', 'The node closed the stream without an answer')
  if (ctx.json) { ctx.out.json({ taskId: result?.taskId, executor: result?.executor, answer: out.answer, sources: out.sources }); return 0 }
  if (out.sources.length === 0) ctx.out.write(out.answer)
  ctx.out.line()
  if (out.sources.length > 0) ctx.out.line('Sources:')
  for (const s of out.sources) ctx.out.line(`  [${s.n}] ${s.source} (${s.collection})`)
  ctx.out.error(`[answered by ${String(result?.executor)}]`)
  return 0
}

export const memoryClassify: Command = {
  path: ['memory', 'classify'],
  summary: 'Set a collection\'s data class (local-only collections never serve other members)',
  usage: 'COLLECTION CLASS',
  positionals: { min: 2, max: 2 },
  async run (ctx, args) {
    const [collection, cls] = args.positionals as [string, string]
    if (!(DATA_CLASSES as readonly string[]).includes(cls)) throw new UsageError(`CLASS must be one of ${DATA_CLASSES.join(', ')}`)
    const r = await (await ApiClient.fromHome(ctx.home)).post<{ collection: string, class: string }>('/api/memory/class', { collection, class: cls }, ctx.signal)
    if (ctx.json) ctx.out.json(r)
    else ctx.out.line(`${r.collection} is now ${r.class}`)
  }
}
