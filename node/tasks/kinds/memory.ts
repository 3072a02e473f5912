/**
 * `memory.search` and `memory.ask`, served from this node's memory store.
 * A remote delegator never sees a `local-only` collection: searching "all
 * collections" for one skips them, and naming one is refused before any
 * chunk is read (the executor's policy check denies it first).
 */
import { num, object, optional, parse, str, uint } from '../../../protocol/shape.ts'
import type { DataClass } from '../../../protocol/task/messages.ts'
import type { MemoryStore } from '../../memory/store.ts'
import { NOTHING_FOUND_ANSWER, type SearchHit } from '../../memory/search.ts'
import { buildAskPrompt } from '../../memory/prompt.ts'
import { InvalidTaskInputError, PolicyDeniedError, TaskFailedError } from '../errors.ts'
import type { TaskKindHandler, TaskRunContext } from '../registry.ts'

const SearchInput = object({ query: str({ min: 1, max: 4096 }), collection: optional(str({ max: 128 })), k: optional(uint({ min: 1, max: 100 })) })
const AskInput = object({
  question: str({ min: 1, max: 8192 }),
  collection: optional(str({ max: 128 })),
  k: optional(uint({ min: 1, max: 50 })),
  model: optional(str({ max: 128 })),
  maxTokens: optional(uint({ min: 1, max: 4096 })),
  temperature: optional(num({ min: 0, max: 5 }))
})
export type MemorySearchInput = { query: string, collection?: string, k?: number }
export type MemoryAskInput = { question: string, collection?: string, k?: number, model?: string, maxTokens?: number, temperature?: number }

export interface MemoryKindsInit {
  store: MemoryStore
  self: () => string
  classOf: (collection: string) => DataClass
  /** Whether a remote peer's policy lets it read a collection with this kind. */
  mayRead: (peerId: string, kind: string, collection: string) => boolean
  /** Generates an answer with a local model; undefined when the node has none. */
  generate?: (prompt: string, opts: { model?: string, maxTokens?: number, temperature?: number, signal: AbortSignal, onText: (t: string) => void }) => Promise<{ text: string, usage: { promptTokens: number, completionTokens: number } }>
}

function parseWith<T> (shape: (v: unknown, p: string) => T, value: unknown, what: string): T {
  try { return parse(shape, value, what) } catch (err) { throw new InvalidTaskInputError((err as Error).message) }
}

/**
 * The collections a task may read: all for a local caller; for a remote one,
 * only those its policy allows and that are not local-only, each checked on
 * its own, so "search everything" never reaches past what a peer may see.
 */
async function allowedCollections (init: MemoryKindsInit, kind: string, ctx: TaskRunContext, named?: string): Promise<string[] | undefined> {
  const remote = ctx.from !== init.self()
  const readable = (c: string): boolean => init.classOf(c) !== 'local-only' && init.mayRead(ctx.from, kind, c)
  if (named != null) {
    if (remote && !readable(named)) throw new PolicyDeniedError(`Collection "${named}" may not be read by this peer`, init.classOf(named) === 'local-only' ? 'local-only' : 'default-deny')
    return [named]
  }
  if (!remote) return undefined
  return (await init.store.collections()).map(c => c.name).filter(readable)
}

/**
 * Searches all collections, or only the given ones, best hits first. A remote
 * caller sees sources relative to the folder they were ingested from, never
 * this machine's paths.
 */
async function searchIn (init: MemoryKindsInit, ctx: TaskRunContext, query: string, collections: string[] | undefined, k: number): Promise<SearchHit[]> {
  const opts = { k, signal: ctx.signal, ...(ctx.from !== init.self() ? { relativeSources: true } : {}) }
  if (collections == null) return await init.store.search(query, opts)
  const per = await Promise.all(collections.map(async c => await init.store.search(query, { ...opts, collection: c })))
  // scores from separate collections are on one scale only per query; keep the best k overall
  return per.flat().sort((a, b) => b.score - a.score).slice(0, k)
}

export function memoryKinds (init: MemoryKindsInit): Array<TaskKindHandler<any>> {
  const search: TaskKindHandler<MemorySearchInput> = {
    kind: 'memory.search',
    parseInput: (v) => parseWith(SearchInput, v, 'memory.search input'),
    async run (input, ctx) {
      const collections = await allowedCollections(init, 'memory.search', ctx, input.collection)
      const hits = await searchIn(init, ctx, input.query, collections, input.k ?? 5)
      return { output: hits.map(h => ({ text: h.text, source: h.source, score: h.score, collection: h.collection })) }
    }
  }
  const ask: TaskKindHandler<MemoryAskInput> = {
    kind: 'memory.ask',
    parseInput: (v) => parseWith(AskInput, v, 'memory.ask input'),
    modelOf: (i) => i.model,
    async run (input, ctx) {
      const generate = init.generate
      if (generate == null) throw new TaskFailedError('unavailable', 'This node has no model to answer with')
      const collections = await allowedCollections(init, 'memory.ask', ctx, input.collection)
      if (collections != null && collections.length === 0) throw new TaskFailedError('not-found', 'No collection this peer may read')
      let usage = { promptTokens: 0, completionTokens: 0 }
      const hits = await searchIn(init, ctx, input.question, collections, input.k ?? 5)
      const sources = hits.map((h, i) => ({ n: i + 1, source: h.source, collection: h.collection, score: h.score, text: h.text }))
      let answer = NOTHING_FOUND_ANSWER
      if (sources.length > 0) {
        const r = await generate(buildAskPrompt(input.question, sources), {
          ...(input.model != null ? { model: input.model } : {}),
          ...(input.maxTokens != null ? { maxTokens: input.maxTokens } : {}),
          ...(input.temperature != null ? { temperature: input.temperature } : {}),
          signal: ctx.signal,
          onText: ctx.emit
        })
        usage = r.usage
        answer = r.text
      }
      const result = { answer, sources }
      return { output: { answer: result.answer, sources: result.sources.map(s => ({ n: s.n, source: s.source, collection: s.collection, score: s.score })) }, usage }
    }
  }
  return [search, ask]
}
