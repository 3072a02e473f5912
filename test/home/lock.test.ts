/**
 * One node per home (issue 10, defect 9): a second `mycel start` on a home
 * whose node runs says so, exits non-zero and touches nothing, so the first
 * node stays reachable; a lock left by a node that died is taken over.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { Harness } from '../helpers/harness.ts'
import { homePaths } from '../../node/home/home.ts'

describe('home lock', () => {
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
