/**
 * A tiny loopback HTTP server that misbehaves as an OpenAI endpoint, chosen
 * by the model a request names: `five` answers 500 (echoing the request's
 * Authorization header, as a careless proxy might), `slow` never answers,
 * `garbage` streams events that are not JSON, `junk` streams JSON that is
 * not a completion chunk.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface BadEndpoint { url: string, close: () => Promise<void> }

export async function badEndpoint (): Promise<BadEndpoint> {
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => { body += d }).on('end', () => {
      const model = (JSON.parse(body) as { model?: string }).model
      if (model === 'five') {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { message: `upstream broke; you sent ${req.headers.authorization ?? ''}` } }))
      } else if (model === 'slow') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        // headers only, then nothing: the deadline covers the whole stream
      } else if (model === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end('data: {this is not json\n\n')
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end('data: {"hello":"world","choices":"nope"}\n\ndata: [DONE]\n\n')
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => { resolve() })) }
  }
}
