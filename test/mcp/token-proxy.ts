/**
 * The conformance suite's server mode cannot send headers, and `/mcp`
 * requires the node's token. This forwarder on 127.0.0.1 stands where an
 * MCP client that holds the token would: it adds `Authorization: Bearer`
 * and passes everything else through unchanged — Host and Origin included,
 * so the node's own DNS-rebinding checks are what the suite sees — and
 * streams the answer back as it comes (SSE).
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TokenProxy { url: string, close: () => Promise<void> }

export async function tokenProxy (target: string, token: string): Promise<TokenProxy> {
  const to = new URL(target)
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${token}` }
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end() })
    res.on('close', () => { out.destroy() })
    req.pipe(out)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
