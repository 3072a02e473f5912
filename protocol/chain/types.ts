/**
 * Delegation chains (the contract between the agent loop and the task
 * protocol). Every `agent.run`, and every task an agent issues, carries a
 * chain of signed links: who started it (the origin member), which agent on
 * which node issued each hop, the parent task, the depth and the scope. A
 * hop's scope is a subset of its parent's and depth is bounded, so a member
 * cannot launder a request through an agent that holds more rights.
 *
 * The wire format, signing and verification live beside this file
 * (protocol/chain); these are the types the node's router, executor and
 * agent kernel share.
 */
import type { DataClass } from '../task/messages.ts'

/** What a chain's holder may still do. Entries are policy patterns (`*`, `fs.*`). */
export interface ChainScope {
  /** Task kinds, e.g. `tool.call`, `llm.chat`, `agent.run`. */
  kinds: string[]
  /** Tool names, `PROVIDER.TOOL`. */
  tools: string[]
  /** Memory collections. */
  collections: string[]
  /** Data classes the chain may carry. */
  classes: DataClass[]
}

/** An agent's key, able to sign chain links in its node's name. */
export interface ChainSigner {
  /** The agent's name (identity/agent-cert.ts AGENT_NAME). */
  name: string
  publicKey: Uint8Array
  /** The node → agent certificate (identity/agent-cert.ts). */
  cert: Uint8Array
  sign: (msg: Uint8Array) => Uint8Array
}

/** One hop as the executor verified it. */
export interface ChainHop {
  /** Task id of this hop. */
  task: string
  /** Peer id of the node that issued the hop. */
  node: string
  /** Agent on that node that issued it, when an agent did. */
  agent?: string
  scope: ChainScope
}

/** A chain the executor checked; handed to the task kind in `TaskRunContext.chain`. */
export interface VerifiedChain {
  /** The encoded links, root first, to extend for a sub-delegation. */
  links: Uint8Array[]
  /** Peer id of the member whose request started the chain. */
  origin: string
  /** Hops, root first; `depth === hops.length`. */
  hops: ChainHop[]
  depth: number
  /** The scope in force: the last hop's. */
  scope: ChainScope
}

/** What the caller of `TaskRouter.run` asks for: extend `parent` (or start a chain) signed by `agent`. */
export interface ChainRequest {
  /** The chain the current task arrived with; absent on the origin member. */
  parent?: VerifiedChain
  /** The agent issuing this hop; absent when the node itself issues it. */
  agent?: ChainSigner
  /** The scope for this hop: must be a subset of the parent's. @default the parent's */
  scope?: ChainScope
  /** Task id of the task issuing this hop (audit links parent and child). */
  parentTask?: string
}
