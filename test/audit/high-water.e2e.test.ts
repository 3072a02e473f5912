/**
 * The audit log of a real `mycel start` process: a task is covered by a
 * signed checkpoint (and the high-water mark beside the key) while the node
 * runs, a normal restart verifies, and a data folder restored from an older
 * copy or wiped fails `mycel audit verify`, naming the high-water mark.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { openCheckpoint } from '../../node/audit/checkpoint.ts'
import { verify } from '../../identity/keys.ts'
import { inspectSecretFile } from '../../identity/secret-file.ts'

describe('audit log of a node process', () => {
  const h: Harness = harness({ after })
  let a: MycelProcess
  let backup: string

  const markSize = async (): Promise<number> => {
    const info = await inspectSecretFile(join(a.home, 'identity.key'))
    return openCheckpoint(new Uint8Array(await readFile(join(a.home, 'audit-high-water.cbor'))), info.publicKey as Uint8Array, verify).size
  }
  const echo = async (): Promise<void> => { await h.ok(a.home, ['run', '--local', '--kind', 'echo', 'hello']) }

  before(async () => {
    a = await h.start(await h.found('acme', 'alpha'))
    backup = join(await h.tempDir('mycel-backup-'), 'data')
  })

  it('checkpoints right after a task, without waiting for a stop', async () => {
    await echo()
    const tail = await a.get<Array<{ seq: number }>>('/api/audit/tail?n=1')
    const size = (tail[0]?.seq ?? 0) + 1
    await waitFor(async () => await markSize() >= size, { timeoutMs: 10_000, what: 'the high-water mark to cover the task' })
  })

  it('a normal restart verifies, online and offline', async () => {
    await a.restart()
    await echo()
    const online = await h.cli(a.home, ['audit', 'verify'])
    assert.equal(online.code, 0, online.stdout + online.stderr)
    await a.stop()
    const offline = await h.cli(a.home, ['audit', 'verify'])
    assert.equal(offline.code, 0, offline.stdout + offline.stderr)
    await cp(join(a.home, 'data'), backup, { recursive: true })
  })

  it('a data folder restored from an older copy fails verify, naming the high-water mark', async () => {
    await a.restart()
    await echo()
    await a.stop()
    const mark = await markSize()
    await rm(join(a.home, 'data'), { recursive: true, force: true })
    await cp(backup, join(a.home, 'data'), { recursive: true })
    const res = await h.cli(a.home, ['audit', 'verify'])
    assert.equal(res.code, 1)
    assert.match(res.stdout, new RegExp(`^FAILED at entry \\d+: the log holds \\d+ entries, fewer than the high-water mark of ${mark} entries`, 'm'))
  })

  it('a wiped data folder fails verify, also once the node runs again', async () => {
    const mark = await markSize()
    await rm(join(a.home, 'data'), { recursive: true, force: true })
    const offline = await h.cli(a.home, ['audit', 'verify'])
    assert.equal(offline.code, 1)
    assert.match(offline.stdout, new RegExp(`fewer than the high-water mark of ${mark} entries`))
    await a.restart()
    const online = await h.cli(a.home, ['audit', 'verify'])
    assert.equal(online.code, 1)
    assert.match(online.stdout, /high-water mark/)
    assert.doesNotMatch(online.stdout, /^ok/m)
  })
})
