import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectorInit, parseToolServers, readToolServers, writeToolServers } from '../../node/tools/index.ts'

describe('tools/config (tools.json)', () => {
  it('maps each entry onto a connector init, class defaulting to internal', () => {
    const entries = parseToolServers([
      { name: 'fs', command: 'mcp-server-filesystem', args: ['/srv/docs'], class: 'confidential' },
      { name: 'tickets', url: 'http://127.0.0.1:8123/mcp', env: { TOKEN_FILE: '/etc/t' } }
    ])
    assert.deepEqual(entries.map(connectorInit), [
      { name: 'fs', dataClass: 'confidential', command: 'mcp-server-filesystem', args: ['/srv/docs'] },
      { name: 'tickets', dataClass: 'internal', url: 'http://127.0.0.1:8123/mcp', env: { TOKEN_FILE: '/etc/t' } }
    ])
  })

  it('refuses bad entries with one line naming the place', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{}, /must be an array/],
      [[{ name: 'Fs', command: 'x' }], /tools\.json\[0\].*"name" must match/],
      [[{ name: 'fs' }], /exactly one of "command" and "url"/],
      [[{ name: 'fs', command: 'x', url: 'http://a' }], /exactly one/],
      [[{ name: 'fs', url: 'file:///etc/passwd' }], /http or https/],
      [[{ name: 'fs', url: 'http://10.0.0.5:8123/mcp' }], /"url" must be on this machine/],
      [[{ name: 'fs', url: 'http://localhost.example.com/mcp' }], /"url" must be on this machine/],
      [[{ name: 'code', command: 'x' }], /"code" is taken by a built-in/],
      [[{ name: 'fs', command: 'x', class: 'secret' }], /"class" must be one of/],
      [[{ name: 'fs', command: 'x', args: [1] }], /args\[0\]/],
      [[{ name: 'fs', command: 'x', shell: true }], /unknown field "shell"/],
      [[{ name: 'fs', command: 'x' }, { name: 'fs', command: 'y' }], /used twice/]
    ]
    for (const [value, message] of bad) assert.throws(() => parseToolServers(value), { name: 'InvalidToolDefinitionError', message })
  })

  it('accepts a url on this machine only', () => {
    for (const url of ['http://127.0.0.1:8123/mcp', 'http://127.1.2.3/mcp', 'http://localhost:9/mcp', 'https://[::1]:8443/mcp']) {
      assert.equal(parseToolServers([{ name: 'svc', url }])[0]?.url, url)
    }
  })

  it('reads no file as no servers, writes atomically 0600, and names the file and entry of a fault', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mycel-tools-'))
    try {
      const path = join(dir, 'tools.json')
      assert.deepEqual(await readToolServers(path), [])
      await writeToolServers(path, [{ name: 'fs', command: 'mcp-server-filesystem', args: ['/srv'], env: { TOKEN: 't' }, class: 'local-only' }])
      assert.equal((await stat(path)).mode & 0o777, 0o600)
      assert.deepEqual(await readToolServers(path), [{ name: 'fs', command: 'mcp-server-filesystem', args: ['/srv'], env: { TOKEN: 't' }, class: 'local-only' }])
      await assert.rejects(writeToolServers(path, [{ name: 'fs', command: 'x' }, { name: 'fs', command: 'y' }]), /used twice/)
      assert.match(await readFile(path, 'utf8'), /mcp-server-filesystem/, 'a refused write leaves the file')
      await writeFile(path, JSON.stringify([{ name: 'fs', command: 'x', args: ['ok', 7] }]))
      await assert.rejects(readToolServers(path), { name: 'InvalidToolsFileError', message: `${path}: [0].args[1] must be a string of 1 to 4096 characters` })
      await writeFile(path, '{"name":"fs"}')
      await assert.rejects(readToolServers(path), { name: 'InvalidToolsFileError', message: `${path}: must be an array of servers` })
      await writeFile(path, Buffer.alloc(1024 * 1024 + 1, 0x20))
      await assert.rejects(readToolServers(path), { name: 'InvalidToolsFileError', message: /is larger than 1048576 bytes/ })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
