/**
 * Control API routes for sources and erasure: `GET /api/sources`,
 * `POST /api/sources` (add, answering the first sync), `POST
 * /api/sources/sync`, `POST /api/sources/rm`, and `POST /api/memory/forget`
 * (this node, or the mesh with `mesh: true`).
 */
import { resolve } from 'node:path'
import type { ApiServer } from './server.ts'
import type { ApiModules, ForgetModule, SourcesModule } from './modules.ts'
import { HttpError } from './errors.ts'
import { body } from './body.ts'
import { bool, object, oneOf, optional, str } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { SOURCE_KINDS } from '../sources/index.ts'

const AddBody = object({
  kind: oneOf(SOURCE_KINDS),
  target: str({ min: 1, max: 4096 }),
  branch: optional(str({ min: 1, max: 256 })),
  collection: optional(str({ min: 1, max: 64 })),
  dataClass: optional(oneOf(DATA_CLASSES)),
  owner: optional(str({ min: 1, max: 256 }))
})
const IdBody = object({ id: optional(str({ min: 1, max: 128 })), keep: optional(bool) })
const ForgetBody = object({ source: optional(str({ min: 1, max: 128 })), match: optional(str({ min: 3, max: 1024 })), mesh: optional(bool) })

/** Failures the caller caused (a bad path, a source added twice), said as they are. */
const CALLER_ERRORS = new Set(['SourceExistsError', 'UnknownSourceError', 'InvalidSourceError', 'TooManySourcesError', 'InvalidCollectionNameError'])

export function registerSourceRoutes (api: ApiServer, modules: Pick<ApiModules, 'sources' | 'forget'>): void {
  const sources = (): SourcesModule => {
    if (modules.sources == null) throw new HttpError('unavailable', 'This node keeps no sources')
    return modules.sources
  }
  const forget = (): ForgetModule => {
    if (modules.forget == null) throw new HttpError('unavailable', 'This node cannot forget (memory is not open)')
    return modules.forget
  }
  const said = async <T>(fn: () => Promise<T>): Promise<T> => {
    try { return await fn() } catch (err) {
      const name = (err as Error).name
      if (CALLER_ERRORS.has(name)) throw new HttpError(name === 'UnknownSourceError' ? 'not-found' : 'malformed', (err as Error).message)
      throw err
    }
  }

  api.route('GET', '/api/sources', async () => await sources().list())

  api.route('POST', '/api/sources', async ({ body: b }) => {
    const req = body(AddBody, b, 'source')
    // paths are the CLI user's, resolved by the CLI; an MCP source names a server
    const target = req.kind === 'mcp' || /^[a-z][a-z0-9+.-]*:\/\//i.test(req.target) ? req.target : resolve(req.target)
    return await said(async () => await sources().add({ ...req, target }))
  })

  api.route('POST', '/api/sources/sync', async ({ body: b }) => {
    const req = body(IdBody, b, 'sync request')
    return await said(async () => await sources().sync(req.id))
  })

  api.route('POST', '/api/sources/rm', async ({ body: b }) => {
    const req = body(IdBody, b, 'remove request')
    if (req.id == null) throw new HttpError('malformed', 'Name the source to remove')
    const id = req.id
    return await said(async () => await sources().remove(id, req.keep === true ? { keep: true } : {}))
  })

  api.route('POST', '/api/memory/forget', async ({ body: b, signal }) => {
    const req = body(ForgetBody, b, 'forget request')
    if ((req.source == null) === (req.match == null)) throw new HttpError('malformed', 'Name a source id (--source) or a string (--match), one of them')
    return await forget().forget(req, signal)
  })
}
