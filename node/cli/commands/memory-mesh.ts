/**
 * `mycel memory search` against a running node: across the mesh. Without
 * `--collection` or `--peer` every member holding collections this node may
 * read is asked under one deadline and the hits are fused; with one of them,
 * the holder of that collection or that member answers. Each hit names the
 * member it came from; members that did not answer are named too.
 */
import type { CommandContext } from '../command.ts'
import { resolvePeer } from '../peer-ref.ts'
import { ApiClient } from '../../api/client.ts'
import { MalformedApiResponseError } from '../../api/errors.ts'
import { arrayOf, bool, num, object, oneOf, parse, str, uint } from '../../../protocol/shape.ts'

const Hit = object({ text: str({ max: 1024 * 1024 }), source: str({ max: 4096 }), score: num(), collection: str({ max: 128 }), node: str({ max: 128 }), peerId: str({ max: 128 }) })
/** What `/api/memory/mesh/search` answers, checked before it is printed. */
export const MeshAnswerShape = object({
  hits: arrayOf(Hit, { max: 1000 }),
  partial: bool,
  missed: arrayOf(object({ node: str({ max: 128 }), peerId: str({ max: 128 }), reason: oneOf(['timeout', 'unreachable', 'refused', 'failed'] as const), message: str({ max: 1024 }) }), { max: 1024 }),
  members: arrayOf(object({ node: str({ max: 128 }), peerId: str({ max: 128 }), hits: uint() }), { max: 1024 })
})

export interface MeshSearchArgs { query: string, k: number, collection?: string, peer?: string, deadlineMs?: number }

export async function meshSearch (ctx: Pick<CommandContext, 'home' | 'signal'>, a: MeshSearchArgs): Promise<ReturnType<typeof MeshAnswerShape>> {
  const api = await ApiClient.fromHome(ctx.home)
  const peer = a.peer != null ? await resolvePeer(api, a.peer, ctx.signal) : undefined
  const raw = await api.post<unknown>('/api/memory/mesh/search', {
    query: a.query,
    k: Math.min(a.k, 100),
    ...(a.collection != null ? { collection: a.collection } : {}),
    ...(peer != null ? { peer } : {}),
    ...(a.deadlineMs != null ? { deadlineMs: a.deadlineMs } : {})
  }, ctx.signal)
  try { return parse(MeshAnswerShape, raw, 'mesh search answer') } catch (err) { throw new MalformedApiResponseError(`The node sent a search answer of the wrong shape: ${(err as Error).message}`) }
}

export async function runMeshSearch (ctx: Pick<CommandContext, 'home' | 'signal' | 'out' | 'json'>, a: MeshSearchArgs): Promise<number> {
  const r = await meshSearch(ctx, a)
  if (ctx.json) { ctx.out.json(r); return 0 }
  if (r.hits.length === 0) ctx.out.line('No matches.')
  r.hits.forEach((h, i) => {
    const text = h.text.replace(/\s+/g, ' ')
    ctx.out.line(`${i + 1}. ${h.source} [${h.collection} on ${h.node}] score ${h.score.toFixed(3)}`)
    ctx.out.line(`   ${text.length > 240 ? text.slice(0, 237) + '...' : text}`)
  })
  for (const m of r.missed) ctx.out.error(`no answer from ${m.node} (${m.reason}): ${m.message}`)
  return 0
}
