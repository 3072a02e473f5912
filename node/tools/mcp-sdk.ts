/**
 * The MCP client side of the official SDK (with zod, which it is built on:
 * some 180 modules) loads when a connector first connects or an MCP source
 * is first read, not when the node starts.
 */
import { lazyModule } from '../lazy.ts'

export const loadMcpClientSdk = lazyModule('@modelcontextprotocol/sdk', async () => {
  const [client, types, stdio, http] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js')
  ])
  return {
    Client: client.Client,
    ErrorCode: types.ErrorCode,
    McpError: types.McpError,
    ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport
  }
})
