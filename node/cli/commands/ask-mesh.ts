/**
 * `mycel ask` against a running node: the question becomes a `memory.ask`
 * task that the mesh routes like any other (to this node or to a member
 * whose policy lets us read its collection). The named collection travels
 * with the task, not only inside its input, so the node decides the task's
 * data class from it: a `local-only` collection's question never leaves.
 */
import type { CommandContext } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import { RunFailedError } from './run.ts'

interface AskEvent { type: string, text?: string, taskId?: string, executor?: string, output?: { answer: string, sources: Array<{ n: number, source: string, collection: string, score: number }> }, error?: { code: string, message: string } }

export interface MeshAskArgs {
  question: string
  k: number
  collection?: string
  model?: string
  maxTokens?: number
  /** Ask this member. */
  peer?: string
  /** Answer on this node even when members could. */
  local?: boolean
}

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
