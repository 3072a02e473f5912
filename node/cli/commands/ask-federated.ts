/**
 * `mycel ask` on a running node without `--collection`, `--peer` or
 * `--local`: retrieval is federated (every member holding collections this
 * node may read, fused by reciprocal rank), and the answer is generated on
 * this node's own model, so what the members lent it goes no further. The
 * sources are numbered and name the member holding each.
 */
import type { CommandContext } from '../command.ts'
import { UsageError } from '../errors.ts'
import { ApiClient } from '../../api/client.ts'
import { buildAskPrompt, NOTHING_FOUND_ANSWER } from '../../memory/index.ts'
import { meshSearch } from './memory-mesh.ts'
import { RunFailedError } from './run.ts'
import type { MeshAskArgs } from './ask-mesh.ts'

export async function askFederated (ctx: CommandContext, a: MeshAskArgs): Promise<number> {
  const api = await ApiClient.fromHome(ctx.home)
  const found = await meshSearch(ctx, { query: a.question, k: a.k })
  const sources = found.hits.map((h, i) => ({ n: i + 1, source: h.source, collection: h.collection, node: h.node, peerId: h.peerId, score: h.score, text: h.text }))
  let answer = NOTHING_FOUND_ANSWER
  if (sources.length > 0) {
    const model = a.model ?? (await api.get<Array<{ name: string }>>('/api/models', ctx.signal))[0]?.name
    if (model == null) throw new UsageError('This node has no model to answer with; add one with `mycel models add PATH`')
    // each source names its member, so the model can cite where an answer came from
    const prompt = buildAskPrompt(a.question, sources.map(s => ({ ...s, source: `${s.source} (${s.collection} on ${s.node})` })))
    answer = ''
    for await (const e of api.runTask({ kind: 'llm.complete', local: true, input: { model, prompt, ...(a.maxTokens != null ? { maxTokens: a.maxTokens } : {}) } }, ctx.signal)) {
      if (e.type === 'text') { answer += e.text; if (!ctx.json) ctx.out.write(e.text) } else if (e.type === 'error') throw new RunFailedError(e.error.code, e.error.message)
      else if (e.type === 'result' && typeof e.output === 'string') answer = e.output
    }
  }
  if (ctx.json) { ctx.out.json({ answer, sources, partial: found.partial, missed: found.missed }); return 0 }
  if (sources.length === 0) ctx.out.write(answer)
  ctx.out.line()
  if (sources.length > 0) ctx.out.line('Sources:')
  for (const s of sources) ctx.out.line(`  [${s.n}] ${s.source} (${s.collection} on ${s.node})`)
  for (const m of found.missed) ctx.out.error(`no answer from ${m.node} (${m.reason})`)
  return 0
}
