/**
 * The A2A door (Agent2Agent v1.0, https://a2a-protocol.org/v1.0.0/specification/):
 * each node serves an agent card signed with its identity key, built from
 * what the mesh offers through it, and the JSON-RPC binding over the SDK's
 * request handler, so an A2A client delegates into the mesh with the same
 * routing, policy and audit as `mycel run`. See docs/a2a.md.
 *
 * @example
 * registerA2aRoutes(api, { tasks, node, identity })
 * // then, with @a2a-js/sdk:
 * const client = await new ClientFactory(opts).createFromUrl(apiUrl) // reads /.well-known/agent-card.json
 * for await (const e of client.sendMessageStream({ message })) …
 */
export { registerA2aRoutes, type A2aModules, type A2aInit } from './routes.ts'
export { agentCardJson, signCard, baseAgentCard, type CardAbout } from './card.ts'
export { messageTask, type MessageTask, type MycelMetadata } from './message.ts'
export { jsonRpcError, jsonRpcErrorResponse, type JsonRpcErrorObject, type JsonRpcErrorResponse } from './errors.ts'
export { MeshAgentExecutor, type MeshAgentExecutorComponents } from './executor.ts'
export { MeshRequestHandler } from './handler.ts'
export { BoundedTaskStore, type TaskStoreInit } from './task-store.ts'
export { A2A_RPC_PATH, AGENT_CARD_PATH } from './constants.ts'
