/**
 * One node per home (issue 10, defect 9; issue 17): a second `mycel start`
 * on a home whose node runs says so, exits non-zero and touches nothing, so
 * the first node stays reachable and healthy; a start on a taken port names
 * the flag to change; a lock left by a node that died is taken over.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { Harness } from '../helpers/harness.ts'
import { homePaths } from '../../node/home/home.ts'

describe('home lock', { timeout: 180_000 }, () => {
  const h = new Harness()
  after(async () => { await h.cleanup() })

  it('a second start on the same home refuses and leaves the running node alone', async () => {
    const home = await h.found('acme', 'alpha', { inProcess: true })
    const first = await h.start(home)
    const apiBefore = await readFile(homePaths(home).api, 'utf8')

    const second = await h.cli(home, ['start', '--listen', '/ip4/127.0.0.1/tcp/0', '--api', '127.0.0.1:0'], { timeoutMs: 30_000 })
    assert.notEqual(second.code, 0)
    assert.match(second.stderr, new RegExp(`a node is already running for this home \\(pid ${first.child.pid ?? 0}, API ${first.api.url.replace(/[.]/g, '\\.')}\\)`))
    assert.doesNotMatch(second.stderr, /Database failed to open/)

    assert.equal(await readFile(homePaths(home).api, 'utf8'), apiBefore, 'api.json is the first node\'s, untouched')
    assert.equal((await first.status()).peerId, first.peerId, 'the first node still answers')
    const health = await first.request('GET', '/health', { token: null })
    assert.deepEqual([health.status, health.body], [200, { status: 'ok' }], 'and is healthy')

    // the banner names every door and where the token is, never the token
    const url = first.api.url
    for (const line of [`  dashboard    ${url}/`, `  OpenAI API   ${url}/v1`, `  MCP          ${url}/mcp`, `  API token    in ${homePaths(home).api} ("token"; \`mycel\` commands read it there)`]) {
      assert.ok(first.stdout.split('\n').includes(line), line)
    }
    assert.ok(!first.stdout.includes(first.api.token) && !first.stderr.includes(first.api.token), 'the token is not printed')

    // another home on the same API port: one line that names the flag to change
    const other = await h.found('acme2', 'gamma', { inProcess: true })
    const clash = await h.cli(other, ['start', '--listen', '/ip4/127.0.0.1/tcp/0', '--api', url.replace('http://', '')], { timeoutMs: 30_000 })
    assert.equal(clash.code, 2)
    assert.equal(clash.stderr, `mycel: the control API address ${url.replace('http://', '')} is in use (another node or program listens there); choose another with --api HOST:PORT (port 0 picks a free one)\n`)
    const listen = (await first.status()).addresses[0]?.replace(/\/p2p\/.*$/, '') ?? ''
    const clash2 = await h.cli(other, ['start', '--listen', listen, '--api', '127.0.0.1:0'], { timeoutMs: 30_000 })
    assert.equal(clash2.code, 2)
    assert.equal(clash2.stderr, `mycel: the libp2p listen address ${listen} is in use (another node or program listens there); choose another with --listen MULTIADDR (e.g. /ip4/0.0.0.0/tcp/0 picks a free port)\n`)
    assert.equal((await first.status()).peerId, first.peerId, 'the first node still answers')
    assert.equal(await first.stop(), 0)
  })

  it('takes over a lock whose node is gone', async () => {
    const home = await h.found('acme', 'beta', { inProcess: true })
    // a pid that cannot be running: beyond the kernel's pid range
    await writeFile(homePaths(home).lock, '4194305\n', { mode: 0o600 })
    await writeFile(homePaths(home).api, JSON.stringify({ url: 'http://127.0.0.1:9', token: 'stale', pid: 4194305 }) + '\n', { mode: 0o600 })
    const node = await h.start(home)
    assert.equal((await node.status()).peerId, node.peerId)
    assert.equal((await readFile(homePaths(home).lock, 'utf8')).trim(), String(node.child.pid))
    assert.equal(await node.stop(), 0)
  })
})
