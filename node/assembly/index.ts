/**
 * node/assembly/: how a node comes to be. `assemble.ts` loads the home and
 * builds every service from its factory, registering each resource's
 * teardown beside it; `lifecycle.ts` starts them in phases and stops them
 * backwards; `inference.ts`, `memory.ts`, `control-api.ts` and `routes.ts`
 * wire the local runtime, the memory and the control API in.
 *
 * @example
 * const node = await createMycelNode({ home, listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' })
 * node.status().peers
 * await node.stop()
 */
export { createMycelNode, type MycelNodeInit } from './assemble.ts'
export { AddressInUseError } from './errors.ts'
export { Lifecycle, type Startable } from './lifecycle.ts'
export type { MycelNode, NodeServices, PeerSummary, StatusSummary } from '../mycel-node.ts'
