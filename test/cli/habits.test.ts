/**
 * CLI habits (issue 17): members named by their card's name wherever a peer
 * id goes (an ambiguous name is an error listing the ids), `mycel ps` shows
 * what runs now, output piped into a reader that closes early ends without
 * a stack, and a transfer's progress line carries bytes, speed and ETA also
 * where stderr is no terminal.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { harness, CLI_BIN, REPO_ROOT, childEnv, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { pickPeer } from '../../node/cli/peer-ref.ts'
import { consoleOutput, PROGRESS_LINE_INTERVAL_MS } from '../../node/cli/output.ts'
import { progressLine } from '../../node/cli/progress.ts'

const A = '12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const B = '12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'

describe('peer names', { timeout: 10_000 }, () => {
  const cards = [{ peerId: A, name: 'alpha' }, { peerId: B, name: 'beta' }, { peerId: 'x', name: 'Twin' }, { peerId: 'y', name: 'Twin' }]

  it('takes a peer id as it is and a unique name (exact, else any case) as its member', () => {
    assert.equal(pickPeer(cards, '12D3KooWGjYzfFhwGvRzVcvXBJKmUYWbBVXZbX2bMXvi28aXEsGt'), '12D3KooWGjYzfFhwGvRzVcvXBJKmUYWbBVXZbX2bMXvi28aXEsGt')
    assert.equal(pickPeer(cards, 'beta'), B)
    assert.equal(pickPeer(cards, 'ALPHA'), A)
  })

  it('refuses an ambiguous name listing the ids, and an unknown one listing the names', () => {
    assert.throws(() => pickPeer(cards, 'Twin'), { name: 'UsageError', message: '"Twin" names 2 members: x, y; pass the peer id instead' })
    assert.throws(() => pickPeer(cards, 'gamma'), { name: 'UsageError', message: '"gamma" is neither a peer id nor the name of a member this node knows (known: alpha, beta, Twin)' })
  })
})

describe('progress lines', { timeout: 10_000 }, () => {
  it('says bytes, speed and ETA', () => {
    const at = (done: number, nowMs: number): string => progressLine({ label: 'downloading', done, total: 40 * 1024 ** 2, startedMs: 0, nowMs, bytes: true })
    assert.equal(at(0, 0), 'downloading 0 B / 40.0 MiB (0%)')
    assert.equal(at(12 * 1024 ** 2, 3000), 'downloading 12.0 MiB / 40.0 MiB (30%)  4.0 MiB/s  ETA 7s')
    assert.equal(at(40 * 1024 ** 2, 10_000), 'downloading 40.0 MiB / 40.0 MiB (100%)  4.0 MiB/s  in 10s')
    assert.equal(progressLine({ label: 'downloading', done: 5 * 1024, total: 0, startedMs: 0, nowMs: 1000, bytes: true }), 'downloading 5.0 KiB  5.0 KiB/s')
  })

  it('writes a line every few seconds and the last one where stderr is no terminal', () => {
    let clock = 0
    const lines: string[] = []
    const stderr = { isTTY: false, write: (s: string) => { lines.push(s); return true } } as unknown as NodeJS.WriteStream
    const out = consoleOutput(process.stdout, stderr, () => clock)
    const total = 10 * 1024 ** 2
    out.progress('downloading', 0, total, { bytes: true })
    for (let i = 1; i <= 10; i++) {
      clock = i * PROGRESS_LINE_INTERVAL_MS / 4
      out.progress('downloading', i * total / 10, total, { bytes: true })
    }
    assert.deepEqual(lines, [
      'downloading 0 B / 10.0 MiB (0%)\n',
      'downloading 4.0 MiB / 10.0 MiB (40%)  2.0 MiB/s  ETA 3s\n',
      'downloading 8.0 MiB / 10.0 MiB (80%)  2.0 MiB/s  ETA 1s\n',
      'downloading 10.0 MiB / 10.0 MiB (100%)  2.0 MiB/s  in 5s\n'
    ])
  })
})

describe('a reader that closes early', { timeout: 60_000 }, () => {
  it('ends `mycel help` quietly with exit 0, no EPIPE stack', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'help'], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    // as `mycel help | head -0` does: the pipe is gone before the first write
    child.stdout.destroy()
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const code = await new Promise<number | null>(resolve => { child.once('close', c => { resolve(c) }) })
    assert.equal(stderr, '')
    assert.equal(code, 0)
  })
})

describe('names and ps on a running mesh', { timeout: 180_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess

  before(async () => {
    alpha = await h.start(await h.found('acme', 'alpha'))
    beta = await h.start(await h.join(await h.invite(alpha), 'beta'))
    await waitFor(async () => (await alpha.caps()).length === 2, { what: 'beta\'s card at alpha', timeoutMs: 60_000 })
  })

  it('runs a task on the member named with --peer', async () => {
    const res = await h.cli(alpha.home, ['run', '--peer', 'beta', '--kind', 'echo', '--json', 'by name'])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.json<{ executor: string }>().executor, beta.peerId)
    const unknown = await h.cli(alpha.home, ['run', '--peer', 'gamma', '--kind', 'echo', 'x'])
    assert.equal(unknown.code, 2)
    assert.equal(unknown.stderr, 'mycel: "gamma" is neither a peer id nor the name of a member this node knows (known: alpha, beta)\n')
  })

  it('mycel ps shows a task while it runs, and nothing once it ended', async () => {
    const running = alpha.request('POST', '/api/tasks', { body: { kind: 'echo', input: { prompt: 'slowly, slowly, one character at a time..', chunks: 25, delayMs: 1000 }, peer: beta.peerId } })
    const seen = await waitFor(async () => {
      // in this process: a spawned CLI's start-up on a loaded machine could outlast the task
      const r = await h.cliInProcess(beta.home, ['ps'])
      if (!/^[0-9a-f]+ +echo +- +executor +working +12D3KooW\w+ +\d+s$/m.test(r.stdout)) throw new Error(`ps said: ${r.stdout}${r.stderr}`)
      return r.stdout
    }, { what: 'the echo task in beta\'s ps', timeoutMs: 20_000 })
    assert.match(seen, /^No models loaded\.$/m)
    assert.match(seen, /^TASKID +KIND +MODEL +ROLE +STATE +PEER +AGE$/m)
    assert.equal((await running).status, 200)
    const after = await h.cliInProcess(beta.home, ['ps', '--json'])
    assert.deepEqual(after.json<{ tasks: unknown[] }>().tasks, [])
  })
})
