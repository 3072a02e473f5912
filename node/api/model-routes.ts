/**
 * Control API routes for the models of this node's home: `GET /api/models`
 * lists them with whether each is loaded now, `POST /api/models` registers
 * a GGUF file the node can read (what `mycel models add` does from the
 * CLI). The path is the caller's, who holds the node's token and so runs
 * as the node's user already; the registry hashes and checks the file.
 */
import { resolve } from 'node:path'
import type { ApiServer } from './server.ts'
import type { ApiModules } from './modules.ts'
import { HttpError } from './errors.ts'
import { body } from './body.ts'
import { object, optional, str } from '../../protocol/shape.ts'

const AddBody = object({ path: str({ min: 1, max: 4096 }), name: optional(str({ min: 1, max: 128 })) })
const ApproveBody = object({
  name: str({ min: 1, max: 128 }),
  sha256: optional(str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ })),
  source: optional(str({ max: 1024 }))
})
const WithdrawBody = object({ model: str({ min: 1, max: 128 }) })

export function registerModelRoutes (api: ApiServer, { models }: Pick<ApiModules, 'models'>): void {
  api.route('GET', '/api/models', async () => await models.list())

  api.route('POST', '/api/models', async ({ body: b, signal }) => {
    const req = body(AddBody, b, 'model add request')
    try {
      return await models.add(resolve(req.path), { ...(req.name != null ? { name: req.name } : {}), signal })
    } catch (err) {
      if (signal.aborted) throw err
      // a missing file, a file that is no GGUF, a name taken: the caller's to fix, in the registry's words
      throw new HttpError('malformed', (err as Error).message ?? String(err))
    }
  })

  // the org's model catalog: anyone reads it, an admin signs the next one
  api.route('GET', '/api/models/catalog', async () => models.catalog())
  api.route('POST', '/api/models/approve', async ({ body: b }) => {
    const req = body(ApproveBody, b, 'model approve request')
    return await models.approve(req.name, { ...(req.sha256 != null ? { sha256: req.sha256 } : {}), ...(req.source != null ? { source: req.source } : {}) })
  })
  api.route('POST', '/api/models/withdraw', async ({ body: b }) => {
    const req = body(WithdrawBody, b, 'model withdraw request')
    if (!await models.withdraw(req.model)) throw new HttpError('not-found', `${req.model} is not on the org's model catalog`)
    return { withdrawn: req.model }
  })
}
