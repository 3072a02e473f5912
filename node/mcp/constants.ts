/** Bounds of MCP tool arguments and of the HTTP endpoint. */

/** Longest prompt, message, query or question a tool accepts, in characters. */
export const MAX_TOOL_TEXT_CHARS = 256 * 1024
/** What the server calls itself in the MCP handshake. */
export const MCP_SERVER_NAME = 'mycel'
export const MCP_SERVER_VERSION = '0.1.0'
