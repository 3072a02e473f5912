/**
 * The A2A door (Agent2Agent v1.0, https://a2a-protocol.org/v1.0.0/specification/):
 * each node serves an agent card signed with its identity key, built from
 * what the mesh offers through it, and the JSON-RPC binding over the SDK's
 * request handler, so an A2A client delegates into the mesh with the same
 * routing, policy and audit as `mycel run`. See docs/a2a.md. The SDK-bound
 * parts (`door.ts`: card, executor, request handler, task store) load on the
 * first A2A request, so this surface exports them as types only.
 *
 * @example
 * registerA2aRoutes(api, { tasks, node, identity })
 * // then, with @a2a-js/sdk:
 * const client = await new ClientFactory(opts).createFromUrl(apiUrl) // reads /.well-known/agent-card.json
 * for await (const e of client.sendMessageStream({ message })) …
 */
export { registerA2aRoutes } from './routes.ts'
export type { A2aModules, A2aInit } from './types.ts'
export type { CardAbout } from './card.ts'
export type { MessageTask, MycelMetadata } from './message.ts'
export type { MeshAgentExecutorComponents } from './executor.ts'
export type { TaskStoreInit } from './task-store.ts'
export { jsonRpcError, jsonRpcErrorResponse, type JsonRpcErrorObject, type JsonRpcErrorResponse } from './errors.ts'
export { A2A_RPC_PATH, AGENT_CARD_PATH } from './constants.ts'
