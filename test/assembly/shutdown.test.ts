/**
 * A node stops cleanly and promptly (issue 10, defect 8): SIGTERM while a
 * task streams over the control API ends the stream with a final error
 * line, the process exits within seconds, `api.json` is gone, the audit log
 * ends with `node.stop` and checkpoints, and `mycel audit verify` then runs
 * offline, also when a crashed node left a stale `api.json` behind. The
 * node's database files are private to its user (defect 10).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { access, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Harness, type MycelProcess } from '../helpers/harness.ts'
import { homePaths } from '../../node/home/home.ts'

/** The bound issue 10 sets for a stop with a stream open. */
const EXIT_BOUND_MS = 5_000

async function exists (path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false)
}

describe('shutdown', () => {
  const h = new Harness()
  let home = ''
  let node: MycelProcess
  after(async () => { await h.cleanup() })
  before(async () => {
    home = await h.found('acme', 'alpha', { inProcess: true })
    node = await h.start(home)
  })

  it('SIGTERM with a streaming task open ends the stream with an error line and exits within 5 s', async () => {
    const res = await fetch(node.api.url + '/api/tasks', {
      method: 'POST',
      headers: { authorization: `Bearer ${node.api.token}`, 'content-type': 'application/json' },
      // 200 chunks, 200 ms apart: it would stream for 40 s
      body: JSON.stringify({ kind: 'echo', local: true, input: { prompt: 'x'.repeat(200), chunks: 200, delayMs: 200 } }),
      signal: AbortSignal.timeout(60_000)
    })
    assert.equal(res.status, 200)
    const lines: Array<{ type: string }> = []
    const reading = (async () => {
      let buf = ''
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString('utf8')
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1) }
      }
    })()
    while (!lines.some(l => l.type === 'text')) await sleep(50)

    node.child.kill('SIGTERM')
    const exited = new Promise<number | null>(resolve => { node.child.once('exit', (code) => { resolve(code) }) })
    const code = await Promise.race([exited, sleep(EXIT_BOUND_MS).then(() => 'still running' as const)])
    assert.equal(code, 0, 'the node exited cleanly within the bound')
    await reading
    assert.equal(lines.at(-1)?.type, 'error', 'the stream ends with an error line, not a cut connection')
    assert.equal(await exists(homePaths(home).api), false, 'api.json is gone')
    assert.equal(await exists(homePaths(home).lock), false, 'the home is unlocked')
  })

  it('audit verify runs offline once the node is gone, and the log ends with node.stop', async () => {
    const verify = await h.cli(home, ['audit', 'verify'])
    assert.equal(verify.code, 0, verify.stderr)
    assert.match(verify.stdout, /^ok: \d+ entries/)
    const tail = await h.cli(home, ['audit', 'tail', '--json', '-n', '5'])
    assert.equal(tail.code, 0, tail.stderr)
    assert.equal(tail.json<Array<{ type: string }>>().at(-1)?.type, 'node.stop')
  })

  it('audit verify runs offline beside a stale api.json of a node that died', async () => {
    await writeFile(homePaths(home).api, JSON.stringify({ url: 'http://127.0.0.1:9', token: 'stale', pid: 4194305 }) + '\n', { mode: 0o600 })
    const verify = await h.cli(home, ['audit', 'verify'])
    assert.equal(verify.code, 0, verify.stderr)
    assert.doesNotMatch(verify.stderr, /No node answers/)
    assert.match(verify.stdout, /^ok: /)
  })

  it('keeps the database files private to the node\'s user', async () => {
    const dataDir = homePaths(home).dataDir
    const files: string[] = []
    for (const db of ['node', 'memory']) for (const name of await readdir(join(dataDir, db))) files.push(join(dataDir, db, name))
    assert.ok(files.length > 2)
    for (const f of files) {
      const s = await stat(f)
      if (s.isFile()) assert.equal(s.mode & 0o777, 0o600, `${f} is ${(s.mode & 0o777).toString(8)}`)
    }
  })
})
