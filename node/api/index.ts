/**
 * The node's control API: its contract (`ApiModules`, the task stream's
 * shapes, one error code per failure and one status map for it), the HTTP
 * server that serves it, the route groups, and the client the CLI uses.
 * Routes take `Pick<ApiModules, ...>` and never the node.
 *
 * @example
 * const server = new ApiServer({ token, logger })
 * registerTaskRoutes(server, { tasks, policy, audit })
 * await server.listen('127.0.0.1', 0)
 * for await (const e of new ApiClient(url, token).runTask({ kind: 'echo', input: { prompt: 'hi' } })) console.log(e)
 */
export { ApiServer, HANDLED, type RouteContext, type RouteHandler } from './server.ts'
export { ApiClient, ApiRequestError, readApiFile } from './client.ts'
export type { ApiModules, NodeModule, AdminModule, CardsModule, TasksModule, PolicyModule, AuditModule, MemoryModule, PeerSummary, StatusSummary } from './modules.ts'
export { codeOf, statusOf, HttpError, MalformedApiResponseError, NodeNotRunningError } from './errors.ts'
export { parseTaskEvent, TaskBody, type TaskEvent, type TaskRequestBody } from './task-stream.ts'
export { registerControlRoutes } from './control-routes.ts'
export { registerTaskRoutes } from './task-routes.ts'
export { registerMemoryRoutes } from './memory-routes.ts'
