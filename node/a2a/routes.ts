/**
 * The A2A routes on the node's HTTP server: the signed agent card at
 * `/.well-known/agent-card.json` (no token: discovery comes before
 * credentials; it names only kinds, models and tools) and the JSON-RPC
 * endpoint `/a2a` behind the API token. What answers them (`door.ts`, on
 * `@a2a-js/sdk`) loads on the first request, card included: a node nobody
 * asks over A2A never loads the SDK.
 */
import type { ApiServer } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import { HttpError } from '../api/errors.ts'
import { lazyModule } from '../lazy.ts'
import type { A2aDoor } from './door.ts'
import { loadA2aErrorSdk } from './errors.ts'
import type { A2aInit, A2aModules } from './types.ts'
import { A2A_RPC_PATH, AGENT_CARD_PATH } from './constants.ts'

/** The door with the SDK's error classes, so `jsonRpcError` knows them once an SDK error can exist. */
const loadA2aDoor = lazyModule('@a2a-js/sdk', async () => {
  const [door] = await Promise.all([import('./door.ts'), loadA2aErrorSdk()])
  return door
})

export function registerA2aRoutes (api: ApiServer, modules: A2aModules, init: A2aInit = {}): void {
  let door: A2aDoor | undefined
  let closed = false
  api.onClose(() => {
    closed = true
    door?.close()
  })
  const open = async (): Promise<A2aDoor> => {
    const { a2aDoor } = await loadA2aDoor()
    if (closed) throw new HttpError('unavailable', 'The node is shutting down')
    door ??= a2aDoor(api, modules, init)
    return door
  }

  api.route('GET', AGENT_CARD_PATH, async ({ res }) => {
    const d = await open()
    const body = d.agentCard()
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': `public, max-age=${d.cardMaxAgeS}` })
    res.end(body)
    return HANDLED
  }, { auth: false })

  api.route('POST', A2A_RPC_PATH, async (ctx) => await (await open()).rpc(ctx))
}
