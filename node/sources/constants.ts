/** Defaults for sources; units are in the names. */

/** Events of a watched folder are gathered this long before they are ingested together. */
export const FOLDER_DEBOUNCE_MS = 250
/** Git repositories and mbox files are looked at again this often (a folder is watched instead). */
export const SOURCE_POLL_MS = 30_000
/** Sources one node may keep. */
export const MAX_SOURCES = 256
/** Errors kept per source, newest last. */
export const MAX_SOURCE_ERRORS = 20
/** An mbox file larger than this is refused. */
export const MAX_MBOX_BYTES = 512 * 1024 * 1024
/** One mail message larger than this is skipped with a note. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024
/** A git blob larger than this is skipped with a note. */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024
/** Files of one git tree taken at most. */
export const MAX_TREE_FILES = 200_000
/** MCP resources read per sync at most. */
export const MAX_MCP_RESOURCES = 10_000
/** Waiting for an MCP server to answer one request. */
export const MCP_REQUEST_TIMEOUT_MS = 30_000
/** One clone or fetch of a remote git source, at most. */
export const GIT_FETCH_TIMEOUT_MS = 10 * 60_000
