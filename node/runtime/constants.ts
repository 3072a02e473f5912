/** Defaults of the inference runtime and its scheduler; units in the names. */

/** Sequences (parallel task slots) in each loaded model's context. */
export const SEQUENCES_PER_MODEL = 4
/** A model with no task for this long is unloaded; the next task loads it again. */
export const MODEL_KEEP_ALIVE_MS = 5 * 60_000
/** Tasks waiting for a free sequence, over all models, before new ones get `busy`. */
export const MAX_QUEUED_TASKS = 64
/** A task (queued plus running) that takes longer than this fails with a timeout. */
export const TASK_TIMEOUT_MS = 120_000
/** Upper bound of `maxTokens` for one task, whatever the model's context. */
export const MAX_TOKENS_LIMIT = 4096
/** `maxTokens` when a task names none. */
export const DEFAULT_MAX_TOKENS = 256
/** Context per sequence, capped so that N sequences of a 128k-context model fit in memory. */
export const CONTEXT_SIZE_TOKENS = 4096
/** Streamed text is flushed at least this often... */
export const STREAM_FLUSH_INTERVAL_MS = 25
/** ...or once this many tokens are pending; the first token is always flushed at once. */
export const STREAM_FLUSH_TOKENS = 16
/** Inputs per `embed` call. */
export const MAX_EMBED_INPUTS = 256
/** Busy replies never ask to wait less than this. */
export const RETRY_AFTER_MIN_MS = 250
/** Busy replies never ask to wait more than this. */
export const RETRY_AFTER_MAX_MS = 30_000
/** Assumed task duration before any has been measured (for retry-after estimates). */
export const TASK_DURATION_GUESS_MS = 2_000
/** Tokens held back at most while waiting for the rest of a multi-byte UTF-8 character. */
export const UTF8_HOLD_TOKENS = 4
/**
 * `stop()` waits this long at most for node-llama-cpp to release llama.cpp's
 * backend, then goes on (the process releases it at exit).
 */
export const LLAMA_DISPOSE_TIMEOUT_MS = 5_000
/** Presence and frequency penalties look at this many recent tokens (llama.cpp's `repeat_last_n` default). */
export const PENALTY_LAST_TOKENS = 64
/** Tokens one task's `logitBias` may name. */
export const MAX_LOGIT_BIAS_TOKENS = 1024
/** `models pull` gives up when the first bytes of the file take longer than this (connection, TLS, headers included). */
export const PULL_CONNECT_TIMEOUT_MS = 30_000
/** `models pull` gives up when a started download sends nothing for this long. */
export const PULL_IDLE_TIMEOUT_MS = 60_000
/** After giving up, how long to let the downloader wind down before its staging folder is removed. */
export const PULL_ABORT_GRACE_MS = 2_000
/**
 * A generation waits at most this long for the others on its context to be
 * ready for the next decode step (step-barrier.ts); a guard only: a wait
 * lasts the step the others still run.
 */
export const STEP_BARRIER_MAX_WAIT_MS = 1_000
/** How long a canceled generation waits for its evaluation step in flight before the sequence is disposed. */
export const ABORT_SETTLE_TIMEOUT_MS = 5_000
/** Messages in one chat (the `llm.chat` task input's own bound). */
export const MAX_CHAT_MESSAGES = 512
/** Characters of one chat message's content. */
export const MAX_MESSAGE_CHARS = 1024 * 1024
/** Prefix of the ids the runtime gives the tool calls a model makes (OpenAI's own). */
export const TOOL_CALL_ID_PREFIX = 'call_'
/** Stop sequences one task may give (Anthropic's and Ollama's clients send several; OpenAI's up to 4). */
export const MAX_STOP_SEQUENCES = 16
/** Longest stop sequence, in characters. */
export const MAX_STOP_SEQUENCE_CHARS = 256
/** Longest `ChatRequest.sessionKey` (`PEER_ID/NAME`; the task input allows as much). */
export const MAX_SESSION_KEY_CHARS = 256
/** An evicted sequence holding at least this many tokens has its state saved to disk (state-store.ts). */
export const STATE_SAVE_MIN_TOKENS = 256
/** Saved context states, all models together: bytes... */
export const STATE_CACHE_MAX_BYTES = 2 * 1024 ** 3
/** ...and files (each a state and its sidecar). */
export const STATE_CACHE_MAX_FILES = 32
/** llama.cpp's sequence state file header: magic 'ggsq' (LLAMA_STATE_SEQ_MAGIC)... */
export const STATE_FILE_MAGIC = 0x67677371
/** ...and LLAMA_STATE_SEQ_VERSION of the llama.cpp node-llama-cpp 3.21 bundles. */
export const STATE_FILE_VERSION = 3
/** A state's sidecar (its tokens as JSON) is never read past this. */
export const STATE_META_MAX_BYTES = 4 * 1024 * 1024
/** A model's decode rate moves this far toward each new measure (exponential moving average, decode-rates.ts). */
export const DECODE_RATE_EWMA_WEIGHT = 0.3
/** Generations that decoded fewer tokens after their first say little about speed: not measured. */
export const DECODE_RATE_MIN_TOKENS = 2
/** Models whose decode rate is kept; past it the one measured longest ago goes. */
export const DECODE_RATE_MAX_MODELS = 64
/** Highest rate reported (the load beat's bound, protocol/load). */
export const DECODE_RATE_MAX_TOKENS_PER_S = 1_000_000
