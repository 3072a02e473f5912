import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { format } from 'node:util'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'
import { mcpConnector, toolRegistry, type McpConnector, type ToolRegistry } from '../../node/tools/index.ts'
import type { Logger } from '../../node/logger.ts'

const FS_SERVER = resolve('node_modules/.bin/mcp-server-filesystem')

/** A logger that keeps what it was given, to show the server's stderr reaches it. */
function recordingLogger (): Logger & { lines: string[] } {
  const lines: string[] = []
  const log = (text: string, ...args: unknown[]): void => { lines.push(format(text, ...args)) }
  return Object.assign(log, { error: log, trace: () => {}, enabled: true, newScope: () => recordingLogger(), lines }) as unknown as Logger & { lines: string[] }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until the registry has relisted the provider after a (re)connect. */
async function waitForTools (tools: ToolRegistry, connector: McpConnector): Promise<void> {
  await connector.connected(AbortSignal.timeout(20_000))
  await tools.refresh(connector.name)
}

describe('tools/mcp-connector (real @modelcontextprotocol/server-filesystem over stdio)', () => {
  let dir: string
  let logger: ReturnType<typeof recordingLogger>
  let connector: McpConnector
  let tools: ToolRegistry

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mycel-tools-'))
    await writeFile(join(dir, 'notes.md'), '# Notes\nthe mesh is up\n')
    logger = recordingLogger()
    connector = mcpConnector({ name: 'fs', command: FS_SERVER, args: [dir], dataClass: 'confidential', restartInitialDelayMs: 50 })({ logger })
    tools = toolRegistry()({ logger })
    await tools.add(connector)
    await tools.start()
  })

  after(async () => {
    await tools.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('lists the server\'s tools with their schemas, as fs.TOOL in the provider\'s class', () => {
    const names = tools.list().map(t => t.name)
    assert.ok(names.includes('fs.read_text_file'), names.join(' '))
    assert.ok(names.includes('fs.list_directory'))
    const read = tools.get('fs.read_text_file')
    assert.equal(read?.dataClass, 'confidential')
    assert.equal(read?.inputSchema.type, 'object')
    assert.deepEqual(read?.inputSchema.required, ['path'])
    assert.ok(typeof read?.description === 'string' && read.description.length > 0)
  })

  it('reads a file: the result carries the file\'s text', async () => {
    const result = await tools.call('fs.read_text_file', { path: join(dir, 'notes.md') })
    assert.equal(result.isError, false)
    assert.deepEqual(result.content, [{ type: 'text', text: '# Notes\nthe mesh is up\n' }])
  })

  it('passes the server\'s own tool errors through as isError results', async () => {
    const result = await tools.call('fs.read_text_file', { path: '/etc/passwd' })
    assert.equal(result.isError, true)
    assert.equal(result.content[0]?.type, 'text')
  })

  it('refuses arguments failing the schema, naming the field, before anything is sent', async () => {
    const pid = connector.status().pid
    await assert.rejects(tools.call('fs.read_text_file', { path: 42 }), { name: 'InvalidToolArgumentsError', field: 'path' })
    await assert.rejects(tools.call('fs.read_text_file', {}), { name: 'InvalidToolArgumentsError', field: 'path', message: /"path" is required/ })
    assert.equal(connector.status().pid, pid, 'the server was not disturbed')
  })

  it('pipes the server\'s stderr to the injected logger', () => {
    assert.ok(logger.lines.some(line => line.includes('fs stderr') && /Secure MCP Filesystem Server/.test(line)), logger.lines.join('\n'))
  })

  it('a server killed mid-call fails that call with a typed error, is restarted and answers again', async () => {
    const pid = connector.status().pid
    assert.ok(pid !== null)
    // Stopped first, so the server cannot read the request and answer it before
    // the kill, however long this process waits for a CPU on a loaded machine.
    process.kill(pid, 'SIGSTOP')
    const call = tools.call('fs.list_directory', { path: dir })
    process.kill(pid, 'SIGKILL')
    await assert.rejects(call, { name: 'ToolProviderCrashedError', code: 'provider-crashed', provider: 'fs' })
    await waitForTools(tools, connector)
    const restarted = connector.status()
    assert.equal(restarted.state, 'connected')
    assert.notEqual(restarted.pid, pid)
    assert.equal(alive(pid), false)
    const result = await tools.call('fs.read_text_file', { path: join(dir, 'notes.md') })
    assert.match((result.content[0] as { text: string }).text, /the mesh is up/)
  })

  it('stop() ends the server process and is idempotent; calls then get a typed error', async () => {
    const pid = connector.status().pid
    assert.ok(pid !== null && alive(pid))
    await connector.stop()
    await connector.stop()
    assert.equal(alive(pid), false, 'no child process left')
    assert.equal(connector.status().state, 'stopped')
    await assert.rejects(connector.callTool('read_text_file', { path: join(dir, 'notes.md') }, { signal: new AbortController().signal, timeoutMs: 1000 }),
      { name: 'ToolProviderUnavailableError', code: 'provider-unavailable' })
  })
})

describe('tools/mcp-connector supervision', () => {
  it('gives up after the bounded number of restarts of a server that cannot start', async () => {
    const logger = recordingLogger()
    const connector = mcpConnector({ name: 'broken', command: process.execPath, args: ['-e', 'process.exit(3)'], restartInitialDelayMs: 10, restartMaxDelayMs: 40, restartsMax: 3 })({ logger })
    try {
      await connector.start()
      await assert.rejects(connector.connected(AbortSignal.timeout(20_000)), { name: 'ToolProviderUnavailableError', state: 'failed' })
      assert.equal(connector.status().state, 'failed')
      assert.ok(logger.lines.some(line => /failed 3 times in a row; giving up/.test(line)), logger.lines.join('\n'))
    } finally {
      await connector.stop()
    }
  })
})

describe('tools/mcp-connector over streamable HTTP', () => {
  let http: Server
  let url: string
  let port = 0

  /** A real SDK server, stateless: a fresh McpServer and transport per POST. */
  async function listen (): Promise<void> {
    http = createServer((req, res) => {
      const server = new McpServer({ name: 'test-http', version: '1.0.0' })
      server.registerTool('shout', { description: 'upper-cases text', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: text.toUpperCase() }] }))
      server.registerTool('flood', { description: 'returns too much', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'x'.repeat(64 * 1024) }] }))
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      res.on('close', () => { void transport.close(); void server.close() })
      server.connect(transport).then(async () => { await transport.handleRequest(req, res) }).catch(() => { res.destroy() })
    })
    await new Promise<void>(resolve => http.listen(port, '127.0.0.1', resolve))
    port = (http.address() as AddressInfo).port
    url = `http://127.0.0.1:${port}/mcp`
  }

  async function shut (): Promise<void> {
    http.closeAllConnections()
    await new Promise(resolve => http.close(resolve))
  }

  before(listen)
  after(shut)

  it('lists and calls the tools of a server reached by URL; a too-large answer is refused typed', async () => {
    const tools = toolRegistry()({})
    await tools.add(mcpConnector({ name: 'web', url, maxMessageBytes: 16 * 1024 })({}))
    try {
      await tools.start()
      assert.deepEqual(tools.list().map(t => t.name), ['web.flood', 'web.shout'])
      assert.deepEqual((await tools.call('web.shout', { text: 'hi' })).content, [{ type: 'text', text: 'HI' }])
      await assert.rejects(tools.call('web.shout', { text: 1 }), { name: 'InvalidToolArgumentsError', field: 'text' })
      await assert.rejects(tools.call('web.flood', {}), { name: 'ToolOutputTooLargeError' })
      assert.deepEqual((await tools.call('web.shout', { text: 'again' })).content, [{ type: 'text', text: 'AGAIN' }])
    } finally {
      await tools.stop()
    }
  })

  it('a server that goes away fails the call typed, and is reconnected when it is back', async () => {
    const connector = mcpConnector({ name: 'web', url, restartInitialDelayMs: 50, restartMaxDelayMs: 200, restartsMax: 50 })({})
    const tools = toolRegistry()({})
    await tools.add(connector)
    try {
      await tools.start()
      await shut()
      await assert.rejects(tools.call('web.shout', { text: 'hi' }), { name: 'ToolProviderCrashedError', provider: 'web' })
      await listen() // the same port again
      await connector.connected(AbortSignal.timeout(20_000))
      await tools.refresh('web')
      assert.deepEqual((await tools.call('web.shout', { text: 'back' })).content, [{ type: 'text', text: 'BACK' }])
    } finally {
      await tools.stop()
    }
  })
})

describe('tools/mcp-connector with a misbehaving stdio server', () => {
  let connector: McpConnector
  let tools: ToolRegistry

  before(async () => {
    connector = mcpConnector({
      name: 'bad',
      command: process.execPath,
      args: [resolve('test/tools/fixtures/misbehaving-server.ts')],
      restartInitialDelayMs: 50,
      maxMessageBytes: 1024 * 1024
    })({})
    tools = toolRegistry({ maxOutputBytes: 64 * 1024 })({})
    await tools.add(connector)
    await tools.start()
  })

  after(async () => { await tools.stop() })

  it('refuses a result over the output bound typed, and the server keeps serving', async () => {
    const pid = connector.status().pid
    await assert.rejects(tools.call('bad.flood', { bytes: 200 * 1024 }), { name: 'ToolOutputTooLargeError', maxBytes: 64 * 1024 })
    assert.equal(connector.status().pid, pid, 'not restarted: the message itself was within bounds')
    assert.deepEqual((await tools.call('bad.echo', { text: 'still here' })).content, [{ type: 'text', text: 'still here' }])
  })

  it('a message over the message bound (a 100 MB answer, scaled down) is never parsed: typed error, server restarted', async () => {
    const pid = connector.status().pid
    await assert.rejects(tools.call('bad.flood', { bytes: 4 * 1024 * 1024 }), { name: 'ToolProviderCrashedError', provider: 'bad' })
    await waitForTools(tools, connector)
    assert.notEqual(connector.status().pid, pid)
    assert.deepEqual((await tools.call('bad.echo', { text: 'back' })).content, [{ type: 'text', text: 'back' }])
  })

  it('a server that never answers times out typed, and is not disturbed', async () => {
    const pid = connector.status().pid
    await assert.rejects(tools.call('bad.hang', {}, { timeoutMs: 200 }), { name: 'ToolTimeoutError', timeoutMs: 200 })
    assert.equal(connector.status().pid, pid)
    assert.deepEqual((await tools.call('bad.echo', { text: 'ok' })).content, [{ type: 'text', text: 'ok' }])
  })

  it('a server that dies in the middle of a call: typed error, restarted, answers again', async () => {
    const pid = connector.status().pid
    assert.ok(pid !== null)
    await assert.rejects(tools.call('bad.die', {}), { name: 'ToolProviderCrashedError', code: 'provider-crashed' })
    await waitForTools(tools, connector)
    assert.equal(alive(pid), false)
    assert.deepEqual((await tools.call('bad.echo', { text: 'again' })).content, [{ type: 'text', text: 'again' }])
  })
})
