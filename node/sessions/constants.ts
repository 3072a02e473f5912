/** Limits and defaults of the session service. */

/** Characters of a session's own name (`[A-Za-z0-9][A-Za-z0-9._-]*`). */
export const MAX_SESSION_NAME_CHARS = 64
/** Characters of a session id as a client may send it (`PEER_ID/NAME` at most). */
export const MAX_SESSION_ID_CHARS = 192
/** Sessions one node keeps; a turn that would open one more is refused. */
export const MAX_SESSIONS = 10_000
/** New messages one turn may add. */
export const MAX_TURN_MESSAGES = 64
/** Whose memory a session's turns are filed under until agents name their own (`--agent`). */
export const DEFAULT_AGENT = 'mycel'
/** A session's turns stay on this node unless its owner says otherwise. */
export const DEFAULT_SESSION_CLASS = 'local-only'
/** Context window assumed for a model whose size is not known here (a member's model without a card value). */
export const DEFAULT_CONTEXT_TOKENS = 2048
/** Tokens kept for the reply when the turn names no `maxTokens` (the runtime's own default). */
export const DEFAULT_REPLY_TOKENS = 256
/** Tokens counted for each message's chat-template framing (role markers, separators). */
export const MESSAGE_OVERHEAD_TOKENS = 16
/** Tokens kept free for the template's own preamble and the generation prompt. */
export const TEMPLATE_RESERVE_TOKENS = 32
/** Below this, no history is added: the new messages alone fill the window. */
export const MIN_HISTORY_TOKENS = 32
/** Most tokens a running summary may take to write. */
export const SUMMARY_MAX_TOKENS = 256
/** Characters of the title `sessions ls` shows (the first user message). */
export const TITLE_CHARS = 60
/** Hits `sessions search` answers with at most. */
export const MAX_SEARCH_HITS = 20
/** What the model is asked when older turns leave the window. */
export const SUMMARY_INSTRUCTION = 'Summarise the conversation below in a few sentences. Keep names, numbers, decisions and facts the user stated.'
