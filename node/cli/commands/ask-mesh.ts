/**
 * `mycel ask` against a running node: the question becomes a `memory.ask`
 * task that the mesh routes like any other (to this node or to a member
 * whose policy lets us read its collection). The named collection travels
 * with the task, not only inside its input, so the node decides the task's
 * data class from it: a `local-only` collection's question never leaves.
 */
import { resolvePeer } from '../peer-ref.ts'
import type { CommandContext } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import { MalformedApiResponseError } from '../../api/errors.ts'
import type { TaskResultEvent } from '../../api/task-stream.ts'
import { arrayOf, num, object, parse, str, uint } from '../../../protocol/shape.ts'
import { RunFailedError } from './run.ts'

/** What `memory.ask` answers (`tasks/kinds/memory.ts`), checked before it is printed. */
const AskOutput = object({
  answer: str({ max: 1024 * 1024 }),
  sources: arrayOf(object({ n: uint({ min: 1 }), source: str({ max: 4096 }), collection: str({ max: 128 }), score: num() }), { max: 1000 })
})

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
  const peer = a.peer != null ? await resolvePeer(api, a.peer, ctx.signal) : undefined
  let result: TaskResultEvent | undefined
  // every line is checked against the task-event contract (`api/task-stream.ts`)
  for await (const e of api.runTask({
    kind: 'memory.ask',
    input,
    ...(a.collection != null ? { collection: a.collection } : {}),
    ...(peer != null ? { peer } : {}),
    ...(a.local === true ? { local: true } : {})
  }, ctx.signal)) {
    if (e.type === 'text' && !ctx.json) ctx.out.write(e.text)
    else if (e.type === 'error') throw new RunFailedError(e.error.code, e.error.message)
    else if (e.type === 'result') result = e
  }
  if (result?.output == null) throw new RunFailedError('Error', 'The node closed the stream without an answer')
  let out
  try { out = parse(AskOutput, result.output, 'memory.ask answer') } catch (err) { throw new MalformedApiResponseError(`The node sent an answer that is not a memory.ask answer: ${(err as Error).message}`) }
  if (ctx.json) { ctx.out.json({ taskId: result?.taskId, executor: result?.executor, answer: out.answer, sources: out.sources }); return 0 }
  if (out.sources.length === 0) ctx.out.write(out.answer)
  ctx.out.line()
  if (out.sources.length > 0) ctx.out.line('Sources:')
  for (const s of out.sources) ctx.out.line(`  [${s.n}] ${s.source} (${s.collection})`)
  ctx.out.error(`[answered by ${String(result?.executor)}]`)
  return 0
}
