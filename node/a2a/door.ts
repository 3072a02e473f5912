/**
 * What answers the A2A routes (`routes.ts`), built on the SDK: the signed
 * agent card and the JSON-RPC endpoint, dispatched by the SDK's transport
 * handlers: v1.0 method names (`SendMessage`, `SendStreamingMessage`,
 * `GetTask`, `CancelTask`, `SubscribeToTask`, `ListTasks`) when the
 * request says `A2A-Version: 1.0`, v0.3 names (`message/send`,
 * `message/stream`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`)
 * without it (spec §3.6.2), as the SDK's own Express binding does. The
 * ApiServer has checked the token and parsed the bounded JSON body. This
 * file, and with it the SDK, loads on the first A2A request.
 */
import { A2A_VERSION_HEADER, Extensions } from '@a2a-js/sdk'
import { defaultServerCallContextBuilder, JsonRpcTransportHandler, type User } from '@a2a-js/sdk/server'
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server'
import { ContentTypeNotSupportedError, VersionNotSupportedError } from '@a2a-js/sdk/errors'
import type { IncomingHttpHeaders } from 'node:http'
import type { ApiServer, RouteContext } from '../api/server.ts'
import { HANDLED } from '../api/server.ts'
import { HttpError } from '../api/errors.ts'
import { createLogger } from '../logger.ts'
import type { TaskOffer } from '../tasks/index.ts'
import { agentCardJson, signCard } from './card.ts'
import { jsonRpcErrorResponse } from './errors.ts'
import { MeshAgentExecutor } from './executor.ts'
import { MeshRequestHandler } from './handler.ts'
import type { A2aInit, A2aModules } from './types.ts'
import { A2A_LEGACY_VERSION, A2A_VERSIONS, AGENT_CARD_TTL_MS, MAX_RUNNING_TASKS } from './constants.ts'

const SEND_METHODS = new Set(['SendMessage', 'SendStreamingMessage', 'message/send', 'message/stream'])

/** Every caller holds the node's API token: one user. */
const API_USER: User = { isAuthenticated: true, userName: 'api' }

type RpcId = string | number | null

function rpcIdOf (body: unknown): RpcId {
  const id = (body as { id?: unknown } | null)?.id
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null
}

/** Headers the SDK's context keeps, without the credentials. */
function contextHeaders (headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const { authorization: _a, 'x-api-key': _k, ...rest } = headers
  return rest
}

/** Local tool names come from this node's own card: the router knows only the members'. */
function withOwnTools (offers: TaskOffer[], own: Record<string, unknown> | undefined): TaskOffer[] {
  const tools = Array.isArray(own?.tools) ? own.tools.filter((t): t is string => typeof t === 'string') : []
  if (tools.length === 0) return offers
  return offers.map(o => o.kind === 'tool.call' ? { ...o, tools: [...new Set([...o.tools, ...tools])].sort() } : o)
}

export interface A2aDoor {
  /** The signed card as JSON, built again at most once per TTL. */
  agentCard: () => string
  /** Seconds a client may cache the card. */
  cardMaxAgeS: number
  /** One JSON-RPC request to `/a2a`: a JSON answer, or HANDLED once it streamed or refused. */
  rpc: (ctx: RouteContext) => Promise<unknown>
  /** Fails the tasks still running (the node is shutting down). */
  close: () => void
}

export function a2aDoor (api: ApiServer, { tasks, node, identity }: A2aModules, init: A2aInit = {}): A2aDoor {
  const log = init.logger ?? createLogger('mycel:node:a2a')
  const maxRunning = init.maxRunningTasks ?? MAX_RUNNING_TASKS
  const ttl = init.cardTtlMs ?? AGENT_CARD_TTL_MS
  const executor = new MeshAgentExecutor({ tasks, logger: log })
  const handler = new MeshRequestHandler(tasks, executor, init)
  const v1 = new JsonRpcTransportHandler(handler)
  const v03 = new LegacyJsonRpcTransportHandler(handler)

  // built at most once per TTL: the route takes no token, so a flood of GETs costs one signature per TTL
  let card: { json: string, at: number } | undefined
  const agentCard = (): string => {
    const now = Date.now()
    if (card != null && now - card.at < ttl) return card.json
    const status = node.status()
    const own = node.caps().find(c => c.self === true)
    const about = { peerId: status.peerId, name: status.name, org: status.org?.name ?? null, apiUrl: status.api, seq: typeof own?.seq === 'number' ? own.seq : 0 }
    card = { json: JSON.stringify(signCard(agentCardJson(about, withOwnTools(tasks.offers(), own)), about, identity)), at: now }
    return card.json
  }

  const rpc = async (ctx: RouteContext): Promise<unknown> => {
    const { req, res, body } = ctx
    const version = req.headers[A2A_VERSION_HEADER.toLowerCase()]
    const requested = typeof version === 'string' && version !== '' ? version : A2A_LEGACY_VERSION
    const legacy = requested === A2A_LEGACY_VERSION
    const id = rpcIdOf(body)
    const refuse = (status: number, err: unknown, headers: Record<string, string> = {}): typeof HANDLED => {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
      api.send(res, status, jsonRpcErrorResponse(id, err, legacy))
      return HANDLED
    }
    const type = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase()
    if (type != null && type !== 'application/json') return refuse(400, new ContentTypeNotSupportedError(`Unsupported Content-Type "${type.slice(0, 64)}"; expected application/json`))
    if (!(A2A_VERSIONS as readonly string[]).includes(requested)) return refuse(400, new VersionNotSupportedError(`A2A version ${requested.slice(0, 16)} is not supported; this node speaks ${A2A_VERSIONS.join(', ')}`))
    if (body === undefined) throw new HttpError('malformed', 'Expected a JSON-RPC request')
    const method = (body as { method?: unknown } | null)?.method
    if (typeof method === 'string' && SEND_METHODS.has(method) && executor.size >= maxRunning) {
      return refuse(429, new HttpError('busy', `${maxRunning} A2A tasks are running on this node; retry when one ends`), { 'retry-after': '1' })
    }
    const extensions = req.headers[(legacy ? 'x-a2a-extensions' : 'a2a-extensions')] ?? req.headers['a2a-extensions']
    const context = defaultServerCallContextBuilder({
      extensions: Extensions.parseServiceParameter(Array.isArray(extensions) ? extensions.join(',') : extensions),
      user: API_USER,
      headers: contextHeaders(req.headers),
      requestedVersion: requested
    })
    const answer = await (legacy ? v03 : v1).handle(body as Record<string, unknown>, context)
    if (!isStream(answer)) return answer
    await streamAnswer(api, ctx, answer, { id, legacy, alwaysSse: legacy && method === 'tasks/resubscribe' })
    return HANDLED
  }

  return {
    agentCard,
    cardMaxAgeS: Math.floor(ttl / 1000),
    rpc,
    close: () => { executor.abortAll(new HttpError('unavailable', 'The node is shutting down')) }
  }
}

function isStream (v: unknown): v is AsyncGenerator<unknown, void, undefined> {
  return typeof (v as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function'
}

/**
 * Server-sent events, one JSON-RPC response each. The first event is awaited
 * before the headers go out, so an early failure is a plain JSON-RPC error
 * (the SDK's binding does the same); v0.3 `tasks/resubscribe` always streams.
 * A client that leaves ends only its stream: the task goes on, and it may
 * subscribe again.
 */
async function streamAnswer (api: ApiServer, ctx: RouteContext, events: AsyncGenerator<unknown, void, undefined>, o: { id: RpcId, legacy: boolean, alwaysSse: boolean }): Promise<void> {
  const it = events[Symbol.asyncIterator]()
  let first: IteratorResult<unknown, void> | undefined
  if (!o.alwaysSse) {
    try {
      first = await it.next()
    } catch (err) {
      api.send(ctx.res, 200, jsonRpcErrorResponse(o.id, err, o.legacy))
      return
    }
  }
  const out = ctx.stream.sse((err) => jsonRpcErrorResponse(o.id, err, o.legacy))
  try {
    out.start()
    if (first?.done === false) out.write(first.value)
    for (let next = await it.next(); next.done !== true; next = await it.next()) out.write(next.value)
    out.end()
  } catch (err) {
    out.fail(err)
  }
}
