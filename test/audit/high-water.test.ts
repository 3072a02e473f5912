/**
 * Checkpoints right after each batch, and the high-water mark outside the
 * database: a log cut back to an older checkpoint, wiped, or replaced never
 * verifies, and a normal restart always does.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { highWaterFile, openAuditLog, openCheckpoint, type AuditLog, type AuditLogInit, type HighWaterStore } from '../../node/audit/index.ts'
import { openStores, seqKey, META_KEY } from '../../node/audit/store.ts'
import { waitFor } from '../helpers/wait.ts'
import { ed25519Signer, ed25519Verify, tempLevel, type Signer } from './helpers.ts'

async function fill (log: AuditLog, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) await log.append({ type: 'task.state', actor: 'peer-a', task: `task-${i}`, data: { state: 'completed', n: i } })
}

/** A log over a fresh database with its high-water mark in a file of another folder (as beside the identity key). */
async function setup (t: TestContext, init: AuditLogInit = { checkpointIntervalMs: 0 }, signer: Signer = ed25519Signer()) {
  const { db, defer } = await tempLevel(t)
  const keyDir = await mkdtemp(join(tmpdir(), 'mycel-hwm-'))
  t.after(async () => { await rm(keyDir, { recursive: true, force: true }) })
  const markPath = join(keyDir, 'audit-high-water.cbor')
  const components = (database: Level<string, Uint8Array>, highWater: HighWaterStore | undefined) =>
    ({ db: database.sublevel('audit'), sign: signer.sign, publicKey: signer.publicKey, verify: ed25519Verify, ...(highWater != null ? { highWater } : {}) })
  const open = async (database: Level<string, Uint8Array> = db, highWater?: HighWaterStore | null): Promise<AuditLog> => {
    const log = await openAuditLog(components(database, highWater === null ? undefined : highWater ?? highWaterFile(markPath)), init)
    defer(async () => { await log.stop() })
    return log
  }
  const markSize = async (): Promise<number> => openCheckpoint(new Uint8Array(await readFile(markPath)), signer.publicKey, ed25519Verify).size
  return { db, open, markPath, markSize, defer }
}

describe('audit/checkpoints after every batch', () => {
  it('signs a checkpoint over a batch shortly after it is written, with the default settings', { timeout: 30_000 }, async (t) => {
    const { db, defer } = await tempLevel(t)
    const signer = ed25519Signer()
    const log = await openAuditLog({ db: db.sublevel('audit'), sign: signer.sign, publicKey: signer.publicKey, verify: ed25519Verify })
    defer(async () => { await log.stop() })
    // one task's entries, written together as the executor does before its final frame
    await Promise.all(['task.received', 'policy.decision', 'task.state', 'task.result'].map(async type => await log.append({ type, actor: 'peer-a', task: 't1' })))
    await waitFor(() => log.latestCheckpoint()?.checkpoint.size === 4, { timeoutMs: 10_000, intervalMs: 5, what: 'a checkpoint over the batch, without a stop' })
    await fill(log, 20)
    await waitFor(() => log.latestCheckpoint()?.checkpoint.size === 24, { timeoutMs: 10_000, intervalMs: 5, what: 'a checkpoint over the later entries' })
    const result = await log.verify()
    assert.equal(result.ok, true)
    // superseded checkpoints inside one stretch of 1000 entries are replaced, not piled up
    assert.equal(result.checkpoints, 1)
  })
})

describe('audit/high-water mark', () => {
  it('a normal restart verifies, and the mark follows the log', async (t) => {
    const { open, markSize } = await setup(t)
    const first = await open()
    await fill(first, 5)
    await first.stop()
    assert.equal(await markSize(), 5)
    const again = await open()
    await fill(again, 5, 5)
    await again.stop()
    assert.equal(await markSize(), 10)
    const result = await (await open()).verify()
    assert.deepEqual([result.ok, result.entries], [true, 10])
  })

  it('fails a log whose tail was cut back to an older checkpoint, which verifies without the mark', async (t) => {
    const { db, open } = await setup(t)
    const log = await open()
    await fill(log, 10)
    const older = await log.checkpoint()
    const stores = openStores(db.sublevel('audit'))
    const metaAt10 = await stores.meta.get(META_KEY)
    await fill(log, 10, 10)
    await log.stop()
    // the attacker removes entries 10.. and every later checkpoint, and puts back the log head and checkpoint of size 10
    for (let seq = 10; seq < 20; seq++) await stores.entries.del(seqKey(seq))
    for await (const key of stores.checkpoints.keys()) await stores.checkpoints.del(key)
    await stores.checkpoints.put(seqKey(10), older.bytes)
    assert.ok(metaAt10 != null)
    await stores.meta.put(META_KEY, metaAt10)

    const unmarked = await (await open(db, null)).verify()
    assert.deepEqual([unmarked.ok, unmarked.entries], [true, 10], 'without the mark the cut goes unnoticed')
    const result = await (await open()).verify()
    assert.equal(result.ok, false)
    assert.equal(result.firstBad?.code, 'rolled-back')
    assert.match(result.firstBad?.reason ?? '', /holds 10 entries, fewer than the high-water mark of 20 entries/)
  })

  it('fails a wiped log naming the mark, and keeps failing once the new log grows past it', async (t) => {
    const { open, markSize, defer } = await setup(t)
    const log = await open()
    await fill(log, 5)
    await log.stop()
    // the data folder is wiped (or replaced by a fresh one); the mark beside the key stays
    const dir = await mkdtemp(join(tmpdir(), 'mycel-audit-wiped-'))
    const wiped = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
    await wiped.open()
    defer(async () => { await wiped.close(); await rm(dir, { recursive: true, force: true }) })
    const fresh = await open(wiped)
    const empty = await fresh.verify()
    assert.equal(empty.ok, false)
    assert.equal(empty.firstBad?.code, 'rolled-back')
    assert.match(empty.firstBad?.reason ?? '', /holds 0 entries, fewer than the high-water mark of 5 entries/)
    await fill(fresh, 12)
    await fresh.stop()
    assert.equal(await markSize(), 5, 'a replaced log never moves the mark')
    const grown = await (await open(wiped)).verify()
    assert.deepEqual([grown.ok, grown.firstBad?.code, grown.firstBad?.seq], [false, 'rolled-back', 4])
  })

  it('never reports an empty log as ok, and refuses a damaged mark', async (t) => {
    const { open, markPath } = await setup(t)
    const empty = await (await open(undefined, null)).verify()
    assert.deepEqual([empty.ok, empty.firstBad?.code], [false, 'empty'])
    const log = await open()
    await fill(log, 3)
    await log.stop()
    const bytes = await readFile(markPath)
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
    await writeFile(markPath, bytes)
    const result = await (await open()).verify()
    assert.deepEqual([result.ok, result.firstBad?.code], [false, 'high-water-invalid'])
  })
})
