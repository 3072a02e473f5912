/**
 * Control API routes for memory, so the CLI works while the node holds the
 * memory database: ingest (newline-delimited JSON progress, then the result),
 * collections, search, removal and data classes.
 */
import { resolve } from 'node:path'
import type { ApiServer } from './server.ts'
import type { ApiModules, MemoryStoreApi } from './modules.ts'
import { codeOf, HttpError } from './errors.ts'
import { body } from './body.ts'
import { arrayOf, bool, object, oneOf, optional, str, uint } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { validCollectionName } from '../memory/index.ts'
import { MAX_FEDERATED_DEADLINE_MS } from '../mesh-memory/constants.ts'

const IngestBody = object({ paths: arrayOf(str({ min: 1, max: 4096 }), { min: 1, max: 1024 }), collection: optional(str({ max: 128 })), prune: optional(bool) })
const SearchBody = object({ query: str({ min: 1, max: 4096 }), collection: optional(str({ max: 128 })), k: optional(uint({ min: 1, max: 1000 })) })
const MeshSearchBody = object({
  query: str({ min: 1, max: 4096 }),
  collection: optional(str({ max: 128 })),
  peer: optional(str({ min: 1, max: 128 })),
  k: optional(uint({ min: 1, max: 100 })),
  deadlineMs: optional(uint({ min: 1, max: MAX_FEDERATED_DEADLINE_MS }))
})
const ReindexBody = object({ collection: optional(str({ min: 1, max: 128 })) })
const RmBody = object({ collection: str({ min: 1, max: 128 }), doc: optional(str({ max: 4096 })) })
const ClassBody = object({ collection: str({ min: 1, max: 128 }), class: oneOf(DATA_CLASSES) })

export function registerMemoryRoutes (api: ApiServer, { memory }: Pick<ApiModules, 'memory'>): void {
  const store = (): MemoryStoreApi => {
    const s = memory.store()
    if (s == null) throw new HttpError('unavailable', 'Memory is not open on this node')
    return s
  }

  api.route('GET', '/api/memory/collections', async () => {
    const list = await store().collections()
    return list.map(c => ({ ...c, classification: memory.classOf(c.name) }))
  })

  api.route('GET', '/api/memory/documents', async ({ query }) => {
    const name = query.get('collection') ?? ''
    try { validCollectionName(name) } catch { throw new HttpError('malformed', 'Expected ?collection=NAME with a valid collection name') }
    return await store().documents(name)
  })

  api.route('POST', '/api/memory/search', async ({ body: b, signal }) => {
    const req = body(SearchBody, b, 'search request')
    const hits = await store().search(req.query, { ...(req.collection != null ? { collection: req.collection } : {}), ...(req.k != null ? { k: req.k } : {}), signal })
    return hits.map(h => ({ text: h.text, source: h.source, score: h.score, collection: h.collection }))
  })

  // across the mesh: every member holding what this node may read, or the holder of one collection, or one member
  api.route('POST', '/api/memory/mesh/search', async ({ body: b, signal }) => {
    const req = body(MeshSearchBody, b, 'search request')
    const opts = {
      signal,
      ...(req.collection != null ? { collection: req.collection } : {}),
      ...(req.peer != null ? { peer: req.peer } : {}),
      ...(req.k != null ? { k: req.k } : {}),
      ...(req.deadlineMs != null ? { deadlineMs: req.deadlineMs } : {})
    }
    if (memory.mesh == null) throw new HttpError('unavailable', 'This node does not search the mesh')
    return await memory.mesh.search(req.query, opts)
  })

  api.route('POST', '/api/memory/ingest', async ({ body: b, signal, stream }) => {
    const req = body(IngestBody, b, 'ingest request')
    const s = store()
    const out = stream.ndjson()
    try {
      // paths are the CLI user's, resolved by the CLI; the node reads them as its own user
      const result = await s.ingest(req.paths.map(p => resolve(p)), {
        ...(req.collection != null ? { collection: req.collection } : {}),
        ...(req.prune === true ? { prune: true } : {}),
        signal,
        onProgress: (p) => { out.write({ type: 'progress', ...p }) }
      })
      out.write({ type: 'result', ...result })
      await memory.refresh()
    } catch (err) {
      // the paths and names are the caller's own: say what was wrong with them (a missing file, a bad name)
      out.fail(codeOf(err) === 'internal' ? new HttpError('malformed', (err as Error).message ?? String(err)) : err)
    }
    out.end()
  })

  // newline-delimited JSON: progress per embedded batch, then the result
  api.route('POST', '/api/memory/reindex', async ({ body: b, signal, stream }) => {
    const req = body(ReindexBody, b, 'reindex request')
    const s = store()
    const out = stream.ndjson()
    try {
      const result = await s.reindex({ ...(req.collection != null ? { collection: req.collection } : {}), signal, onProgress: (p) => { out.write({ type: 'progress', ...p }) } })
      out.write({ type: 'result', ...result })
      await memory.refresh()
    } catch (err) {
      out.fail(err)
    }
    out.end()
  })

  api.route('POST', '/api/memory/rm', async ({ body: b }) => {
    const req = body(RmBody, b, 'remove request')
    if (req.doc != null) await store().removeDocument(req.collection, resolve(req.doc))
    else await store().removeCollection(req.collection)
    await memory.refresh()
    return { removed: req.doc ?? req.collection }
  })

  api.route('POST', '/api/memory/class', async ({ body: b }) => {
    const req = body(ClassBody, b, 'class request')
    await memory.setClass(req.collection, req.class)
    return { collection: req.collection, class: req.class }
  })
}
