/** Bounds of Responses API requests (the node's body limit, 1 MiB, caps them all again). */

/** Most input items in one request (OpenAI's chat limit, the runtime's own). */
export const MAX_INPUT_ITEMS = 512
/** Most content parts in one input message. */
export const MAX_CONTENT_PARTS = 64
/** Longest function or tool name (OpenAI's own limit: 64, `^[a-zA-Z0-9_-]+$`); the chat's other tool bounds are `protocol/task/chat.ts`'s. */
export const MAX_TOOL_NAME_CHARS = 64
/** Most `metadata` entries, and the longest key and value (OpenAI's limits: 16, 64, 512). */
export const MAX_METADATA_ENTRIES = 16
export const MAX_METADATA_KEY_CHARS = 64
export const MAX_METADATA_VALUE_CHARS = 512
