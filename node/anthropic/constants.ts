/** Bounds of Anthropic Messages API requests (the node's body limit, 1 MiB, caps them all again). */

/** Most stop sequences in one request. */
export const MAX_STOP_SEQUENCES = 16
/** Longest stop sequence, in characters. */
export const MAX_STOP_SEQUENCE_CHARS = 256
/** Most content blocks in one message or in `system`. */
export const MAX_CONTENT_BLOCKS = 64
