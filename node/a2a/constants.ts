/**
 * Paths and bounds of the A2A door (A2A v1.0, https://a2a-protocol.org/v1.0.0/specification/,
 * as `@a2a-js/sdk` 1.3 implements it; v0.3 method names through the SDK's compat layer).
 */

/** Where the agent card is discovered (spec §8.2, the SDK's `AGENT_CARD_PATH`). */
export const AGENT_CARD_PATH = '/.well-known/agent-card.json'
/** The JSON-RPC endpoint the card's `supportedInterfaces` name. */
export const A2A_RPC_PATH = '/a2a'
/** Versions the JSON-RPC endpoint speaks; a request without `A2A-Version` is v0.3 (spec §3.6.2). */
export const A2A_VERSIONS = ['1.0', '0.3'] as const
export const A2A_LEGACY_VERSION = '0.3'

/** The `@type` of the `google.rpc.ErrorInfo` in an error's data (the SDK's `ERROR_INFO_TYPE`). */
export const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo'

/** How long one built and signed card is served before it is built again (cards, policy and peers change). */
export const AGENT_CARD_TTL_MS = 5_000
/** JWS algorithm of the card signature: Ed25519 (RFC 8037). */
export const CARD_JWS_ALG = 'EdDSA'
/** The name of the bearer scheme in the card's `securitySchemes`. */
export const SECURITY_SCHEME = 'mycelToken'

/** The kind a message runs as when its metadata names none. */
export const DEFAULT_KIND = 'llm.chat'
/** Where a message's text goes in each kind's input; kinds not listed take a data part as their input. */
export const TEXT_FIELDS: Readonly<Record<string, 'prompt' | 'messages' | 'input' | 'query' | 'question'>> = {
  echo: 'prompt',
  'llm.complete': 'prompt',
  'llm.chat': 'messages',
  'llm.embed': 'input',
  'memory.search': 'query',
  'memory.ask': 'question'
}
/** Longest text a message may carry, all text parts together (the runtime's own prompt limit). */
export const MAX_MESSAGE_TEXT_CHARS = 1024 * 1024
/** Most parts one message may have. */
export const MAX_MESSAGE_PARTS = 64

/** Tasks started through A2A that may run at once on this node; more are refused until one ends. */
export const MAX_RUNNING_TASKS = 32
/** Tasks (finished ones first to go) the task store keeps for `GetTask` and `SubscribeToTask`. */
export const MAX_STORED_TASKS = 256
/** Text and data the task store keeps at most, in characters (a rough byte count). */
export const MAX_STORED_TASK_CHARS = 32 * 1024 * 1024
/** The id of the one artifact a task's output goes into. */
export const OUTPUT_ARTIFACT_ID = 'output'
