/** Defaults for federated memory search; units are in the names. */

/** How long a federated search waits for the members before it answers without the late ones. */
export const FEDERATED_DEADLINE_MS = 3_000
/** Longest deadline a caller may ask for. */
export const MAX_FEDERATED_DEADLINE_MS = 60_000
/** Hits asked of each member (and of this node) before fusion, at least k. */
export const MEMBER_CANDIDATES = 20
/** Most hits a member may answer with (the `memory.search` input's own bound). */
export const MAX_MEMBER_HITS = 100
/** A member's whole answer, in characters of text and sources together; more is refused. */
export const MAX_MEMBER_ANSWER_CHARS = 512 * 1024
/** Members searched at most in one federated search (the org's cards are bounded the same). */
export const MAX_FEDERATED_MEMBERS = 256
/** The task kind a federated search sends each member. */
export const MEMORY_SEARCH_KIND = 'memory.search'
