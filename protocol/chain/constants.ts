/** Bounds and defaults of delegation chains (see docs/protocol.md, "Delegation chains"). */

/** The signing domain of a chain link: a link's signature cannot pass for any other record's. */
export const CHAIN_LINK_DOMAIN = 'mycel-chain-link'
export const CHAIN_LINK_TYPE = 'mycel/chain-link/1'
/** Entries in each list of a scope (kinds, tools, collections). */
export const MAX_SCOPE_ENTRIES = 16
/** Characters of one scope pattern: a tool name is the longest, `PROVIDER.TOOL` (protocol/task MAX_TASK_TOOL_CHARS). */
export const MAX_SCOPE_PATTERN_CHARS = 161
/** Depth an executor accepts unless its policy says otherwise (`delegation.maxDepth`). */
export const DEFAULT_MAX_CHAIN_DEPTH = 3
/** How long a new link lives; a child never outlives its parent. */
export const CHAIN_LINK_TTL_MS = 60 * 60 * 1000
/** Longest `expiresAt - issuedAt` an executor accepts. */
export const MAX_CHAIN_LINK_LIFETIME_MS = 24 * 60 * 60 * 1000
/** Tolerated clock difference between members, at both ends of a link's window. */
export const CHAIN_CLOCK_SKEW_MS = 60_000
