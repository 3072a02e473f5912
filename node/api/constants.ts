/** Bounds and timings of the node's HTTP side. */

/** Longest line of a newline-delimited JSON answer a client reads (a task's whole output can ride in its `result` line). */
export const MAX_EVENT_LINE_BYTES = 64 * 1024 * 1024
/** Longest piece of streamed text in one `text` event, in characters. */
export const MAX_EVENT_TEXT_CHARS = 16 * 1024 * 1024
/** Most JSON items in a task's output (embeddings of many inputs are the largest). */
export const MAX_OUTPUT_ITEMS = 4_000_000
/** How long `ApiServer.close()` lets open responses end on their own before it cuts their sockets. */
export const CLOSE_GRACE_MS = 1_000
/** Most requests a connection may keep waiting for their headers, in milliseconds (slowloris). */
export const HEADERS_TIMEOUT_MS = 30_000
/**
 * How long a task stream holds its status line after routing, waiting for
 * output or a refusal, before it commits to 200 (a busy refusal comes
 * within a round trip; the dashboard shows "running on ..." after this).
 */
export const TASK_STATUS_HOLD_MS = 500
