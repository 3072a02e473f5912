import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { connectorInit, parseToolServers } from '../../node/tools/index.ts'

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
      [[{ name: 'fs', command: 'x', class: 'secret' }], /"class" must be one of/],
      [[{ name: 'fs', command: 'x', args: [1] }], /args\[0\]/],
      [[{ name: 'fs', command: 'x', shell: true }], /unknown field "shell"/],
      [[{ name: 'fs', command: 'x' }, { name: 'fs', command: 'y' }], /used twice/]
    ]
    for (const [value, message] of bad) assert.throws(() => parseToolServers(value), { name: 'InvalidToolDefinitionError', message })
  })
})
