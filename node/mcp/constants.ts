/** Bounds of MCP tool arguments and of the HTTP endpoint. */

/** Longest prompt, message, query or question a tool accepts, in characters. */
export const MAX_TOOL_TEXT_CHARS = 256 * 1024
/** What the server calls itself in the MCP handshake. */
export const MCP_SERVER_NAME = 'mycel'
export const MCP_SERVER_VERSION = '0.1.0'

/** Open MCP sessions at `/mcp` at once; the next initialize beyond this is refused (503) until one ends. */
export const MAX_MCP_SESSIONS = 64
/** A session with no request for this long is closed (its streams end, its subscriptions stop). */
export const MCP_SESSION_IDLE_MS = 30 * 60_000
/** How often idle sessions are looked for. */
export const MCP_SESSION_SWEEP_MS = 60_000
/** Resources one session may subscribe to. */
export const MAX_MCP_SUBSCRIPTIONS = 64
/** Longest resource URI accepted in a subscription, in characters. */
export const MAX_RESOURCE_URI_CHARS = 512
/** How often subscribed resources are re-read to see whether they changed. */
export const RESOURCE_POLL_MS = 1000
/** Most completion values returned at once (the MCP spec's limit). */
export const MAX_COMPLETION_VALUES = 100
/** URI scheme and prefixes of Mycel's MCP resources. */
export const MEMORY_URI_PREFIX = 'mycel://memory/'
export const MEMBERS_URI = 'mycel://mesh/members'
/** How often a long-lived MCP server (`mycel mcp`, an `/mcp` session) lists the mesh's tools again. */
export const MCP_MESH_TOOLS_REFRESH_MS = 10_000
/**
 * A result that follows progress notifications goes out this long after the
 * last of them. The TypeScript SDK's client hands a notification to its
 * handler a microtask after reading it but a response at once, so when both
 * arrive in one read the response retires the progress handler first and
 * the progress is lost (modelcontextprotocol/typescript-sdk#2580). A gap
 * makes them arrive in separate reads on all but a very busy client.
 */
export const PROGRESS_RESULT_GAP_MS = 5
/** The longest a result waits for its progress notifications to be written. */
export const PROGRESS_FLUSH_MAX_MS = 1_000
