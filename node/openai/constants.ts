/** Bounds of OpenAI API requests (the node's body limit, 1 MiB, caps them all again). */

/** Longest model name accepted. */
export const MAX_MODEL_NAME_CHARS = 128
/** Longest prompt or message content, in characters (the runtime's own limit). */
export const MAX_PROMPT_CHARS = 1024 * 1024
/** Most messages in one chat request (the runtime's own limit). */
export const MAX_CHAT_MESSAGES = 512
/** Most inputs in one embeddings request (the runtime's own limit). */
export const MAX_EMBED_INPUTS = 256
/** Longest single embeddings input, in characters (the runtime's own limit). */
export const MAX_EMBED_INPUT_CHARS = 64 * 1024
/** Most tokens one `logit_bias` may name (OpenAI's own limit, and the runtime's). */
export const MAX_LOGIT_BIAS_TOKENS = 1024
/** Characters of a tool call's arguments per streamed delta (OpenAI streams them a few tokens at a time). */
export const TOOL_ARGUMENTS_DELTA_CHARS = 32
/** Most stop sequences in one request (OpenAI's own limit). */
export const MAX_STOP_SEQUENCES = 4
/** Longest stop sequence, in characters (the runtime's own limit). */
export const MAX_STOP_SEQUENCE_CHARS = 256
/** Most choices (`n`) one request may ask for: each is its own task. */
export const MAX_CHOICES = 8
