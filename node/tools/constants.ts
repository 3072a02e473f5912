/** Defaults of the tool layer; each `XInit` field falls back to one of these. */
import { MAX_TASK_INPUT_BYTES, MAX_TASK_TOOL_CHARS } from '../../protocol/task/messages.ts'

/** How long one tool call may run before it is abandoned with `ToolTimeoutError`. */
export const TOOL_CALL_TIMEOUT_MS = 30_000
/** The longest timeout a caller may ask for. */
export const TOOL_CALL_TIMEOUT_MAX_MS = 10 * 60_000
/** Serialized size of a call's arguments (JSON, UTF-8). */
export const TOOL_ARGUMENTS_MAX_BYTES = 256 * 1024
/** Nesting of objects and arrays in a call's arguments (recursive schemas walk it on the stack). */
export const TOOL_ARGUMENTS_MAX_DEPTH = 64
/** Serialized size of a call's result (content plus structuredContent, JSON, UTF-8). */
export const TOOL_OUTPUT_MAX_BYTES = 4 * 1024 * 1024
/** Content blocks in one result. */
export const TOOL_OUTPUT_MAX_ITEMS = 1024

/** Tools one provider may offer; the capability card carries them all. */
export const TOOLS_PER_PROVIDER_MAX = 128
/** Serialized size of one input or output schema. */
export const TOOL_SCHEMA_MAX_BYTES = 64 * 1024
/** Nesting of objects and arrays inside one schema. */
export const TOOL_SCHEMA_MAX_DEPTH = 32
/** Characters of a tool's description. */
export const TOOL_DESCRIPTION_MAX_CHARS = 4096

/** A provider name: lower case, no dot (the dot separates it from the tool). */
export const PROVIDER_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/
/**
 * A tool name inside its provider, as MCP allows it (SEP-986: letters,
 * digits, `_`, `-`, `.`, at most 128 characters).
 */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/

/** Data class of a provider's output unless its registration says otherwise. */
export const TOOL_DEFAULT_DATA_CLASS = 'internal'
/** Provider names a registration may not take: the built-ins use them. */
export const RESERVED_PROVIDER_NAMES: readonly string[] = ['code']
/** Size of `tools.json` read: 64 servers with room to spare. */
export const TOOLS_FILE_MAX_BYTES = 1024 * 1024

// --- the tool.call task kind ------------------------------------------------

/** `PROVIDER.TOOL` as a task names it: the two patterns above joined by the dot. */
export const TOOL_FULL_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}\.[A-Za-z0-9_.-]{1,128}$/
/** Characters of `PROVIDER.TOOL` (32 + 1 + 128). */
export const TOOL_FULL_NAME_MAX_CHARS = MAX_TASK_TOOL_CHARS
/** Values (objects, arrays and scalars together) in a tool.call's arguments. */
export const TOOL_ARGUMENTS_MAX_ITEMS = 65_536
/**
 * Serialized result of a tool.call task. Smaller than the registry's bound:
 * the result crosses the mesh in one task frame, and a local call answers
 * the same as a delegated one, so both stop here.
 */
export const TOOL_TASK_OUTPUT_MAX_BYTES = MAX_TASK_INPUT_BYTES

// --- code.run -------------------------------------------------------------

/** Characters of the script `code.run` accepts. */
export const CODE_RUN_CODE_MAX_CHARS = 64 * 1024
/** CPU time of one script unless the call asks for less or more. */
export const CODE_RUN_TIMEOUT_MS = 1000
/** The most CPU time a call may ask for; the script blocks its thread that long. */
export const CODE_RUN_TIMEOUT_MAX_MS = 5000
/** Heap of one script's QuickJS runtime (one allocation, and the WebAssembly memory it may grow into). */
export const CODE_RUN_MEMORY_LIMIT_BYTES = 32 * 1024 * 1024
/** WebAssembly memory QuickJS itself needs besides the script's heap. */
export const CODE_RUN_WASM_BASE_BYTES = 16 * 1024 * 1024
/** Interpreter stack of one script: deep recursion stops here with a clean error. */
export const CODE_RUN_STACK_MAX_BYTES = 256 * 1024
/** Bytes of `console.log` output plus the completion value. */
export const CODE_RUN_OUTPUT_MAX_BYTES = 64 * 1024
/** `console.log` lines of one script. */
export const CODE_RUN_LOG_LINES_MAX = 1000
/**
 * How long past its CPU cap a script may keep the worker before the thread
 * is terminated (the interrupt handler normally stops it well within this).
 */
export const CODE_RUN_WATCHDOG_GRACE_MS = 2000
/** JavaScript heap of the worker thread (the script's own heap is wasm memory, capped apart). */
export const CODE_RUN_WORKER_HEAP_MB = 64

// --- MCP connectors -------------------------------------------------------

/** First wait before restarting a dead MCP server; doubles on each failure. */
export const MCP_RESTART_INITIAL_DELAY_MS = 250
/** Longest wait between restarts. */
export const MCP_RESTART_MAX_DELAY_MS = 30_000
/** Restarts in a row that fail (or die before `MCP_STABLE_UPTIME_MS`) before the connector gives up. */
export const MCP_RESTARTS_MAX = 8
/** A server that stayed up this long is healthy again: the back-off starts over. */
export const MCP_STABLE_UPTIME_MS = 60_000
/** How long the MCP `initialize` handshake and the tool listing may take. */
export const MCP_CONNECT_TIMEOUT_MS = 15_000
/** One JSON-RPC message from a server (bounds a 100 MB line before it is parsed). */
export const MCP_MESSAGE_MAX_BYTES = TOOL_OUTPUT_MAX_BYTES + 1024 * 1024
/** Pages of `tools/list` followed before the listing is cut. */
export const MCP_LIST_PAGES_MAX = 16
/** Characters of one stderr line passed to the log. */
export const MCP_STDERR_LINE_MAX_CHARS = 1000

// --- tools on the mesh ------------------------------------------------------

/**
 * CBOR bytes of the tools one capability card lists (the whole card is at
 * most 32 KiB, signed; models, collections and the membership chain share it).
 * Tools past the budget are left out of the card, in name order.
 */
export const CARD_TOOLS_MAX_BYTES = 16 * 1024
/** CBOR bytes of one tool's input schema in the card; a bigger schema keeps the tool off the card. */
export const CARD_TOOL_SCHEMA_MAX_BYTES = 4 * 1024
/** How long tool changes settle before the card is published again (a server restarting lists twice). */
export const CARD_TOOLS_REPUBLISH_DELAY_MS = 250
/** How long after the node starts `code.run` loads its sandbox: off the start's critical path, ready before most first calls. */
export const CODE_RUN_WARM_DELAY_MS = 1_000
