import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { digest, entryToJson, openAuditLog, openCheckpoint, rootOf, leafHash, verifyConsistency, verifyInclusion, type AuditLogInit } from '../../node/audit/index.ts'
import { ed25519Signer, ed25519Verify, tempLevel, type Signer } from './helpers.ts'
import { decodeMeta, META_KEY } from '../../node/audit/store.ts'
import { encodeCbor } from '../../protocol/cbor.ts'

async function setup (t: TestContext, init: AuditLogInit = {}, signer: Signer = ed25519Signer()) {
  const { db, dir, defer } = await tempLevel(t)
  const components = { db: db.sublevel('audit'), sign: signer.sign, publicKey: signer.publicKey, verify: ed25519Verify }
  const log = await openAuditLog(components, { checkpointIntervalMs: 0, ...init })
  defer(async () => { await log.stop() })
  return { db, dir, log, components, signer, defer }
}

async function fill (log: Awaited<ReturnType<typeof openAuditLog>>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await log.append({ type: 'task.state', actor: 'peer-a', task: `task-${i % 3}`, peer: 'peer-b', data: { state: 'working', n: i } })
  }
}

describe('audit/log', () => {
  it('appends chained entries and reads them back by tail, seq and task', async (t) => {
    const { log } = await setup(t)
    const first = await log.append({ type: 'policy.decision', actor: 'peer-a', peer: 'peer-b', task: 't1', data: { allow: false, rule: 'default-deny' } })
    const second = await log.append({ type: 'task.sent', actor: 'peer-a', peer: 'peer-b', task: 't2' })
    const third = await log.append({ type: 'task.result', actor: 'peer-b', task: 't1', data: { output: digest('the answer') } })
    assert.equal(first.seq, 0)
    assert.deepEqual(first.prevHash, new Uint8Array(32))
    assert.deepEqual(second.prevHash, first.hash)
    assert.deepEqual(third.prevHash, second.hash)
    assert.deepEqual((await log.tail(2)).map(e => e.seq), [1, 2])
    assert.deepEqual((await log.get(0))?.data, { allow: false, rule: 'default-deny' })
    assert.deepEqual((await log.byTask('t1')).map(e => e.type), ['policy.decision', 'task.result'])
    const json = entryToJson(third)
    assert.equal(JSON.parse(JSON.stringify(json)).data.output, Buffer.from(digest('the answer')).toString('hex'))
    assert.deepEqual(await log.verify(), { ok: true, entries: 3, checkpoints: 0, firstBad: null })
    await assert.rejects(log.verify({ signal: AbortSignal.abort() }), { name: 'AbortError' })
  })

  it('never forks the chain under concurrent appends', async (t) => {
    const { log } = await setup(t, { checkpointEveryEntries: 50 })
    const entries = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append({ type: 'task.received', actor: `peer-${i % 7}`, task: `t${i}` })))
    assert.deepEqual(entries.map(e => e.seq).sort((a, b) => a - b), Array.from({ length: 500 }, (_, i) => i))
    const bySeq = [...entries].sort((a, b) => a.seq - b.seq)
    for (let i = 1; i < bySeq.length; i++) assert.deepEqual(bySeq[i]?.prevHash, bySeq[i - 1]?.hash)
    const result = await log.verify()
    assert.equal(result.ok, true)
    assert.equal(result.entries, 500)
    assert.equal(result.checkpoints, 10)
  })

  it('continues the same chain after a restart and signs a checkpoint on stop', async (t) => {
    const { log, components, defer } = await setup(t)
    await fill(log, 7)
    await log.stop()
    const again = await openAuditLog(components, { checkpointIntervalMs: 0 })
    defer(async () => { await again.stop() })
    const cp = again.latestCheckpoint()
    assert.equal(cp?.checkpoint.size, 7)
    const next = await again.append({ type: 'node.start', actor: 'peer-a' })
    assert.equal(next.seq, 7)
    assert.deepEqual(next.prevHash, cp?.checkpoint.headHash)
    const result = await again.verify()
    assert.equal(result.ok, true)
    assert.equal(result.entries, 8)
  })

  it('continues a log whose head an older version wrote (frontier as an array of pairs)', async (t) => {
    const { log, components, defer } = await setup(t)
    await fill(log, 11)
    await log.stop()
    const meta = components.db.sublevel<string, Uint8Array>('m', { keyEncoding: 'utf8', valueEncoding: 'view' })
    const head = decodeMeta((await meta.get(META_KEY))!)
    assert.equal(head.frontier.length, 3) // 11 = 8 + 2 + 1
    await meta.put(META_KEY, encodeCbor({ v: 1, size: head.size, head: head.head, frontier: head.frontier.map(f => [new Uint8Array([f.level]), f.hash]), cpSize: head.checkpointSize }))
    const again = await openAuditLog(components, { checkpointIntervalMs: 0 })
    defer(async () => { await again.stop() })
    assert.equal((await again.append({ type: 'node.start', actor: 'peer-a' })).seq, 11)
    await again.stop()
    assert.deepEqual(decodeMeta((await meta.get(META_KEY))!).frontier.map(f => f.level), [3, 2])
    const result = await again.verify()
    assert.equal(result.ok, true)
    assert.equal(result.entries, 12)
  })

  it('signs checkpoints every N entries whose root is the RFC 6962 root of the entry hashes', async (t) => {
    const { log, signer } = await setup(t, { checkpointEveryEntries: 10 })
    await fill(log, 25)
    const latest = log.latestCheckpoint()
    assert.equal(latest?.checkpoint.size, 20)
    const leaves = (await log.tail(25)).map(e => leafHash(e.hash))
    const cp = openCheckpoint(latest.bytes, signer.publicKey, ed25519Verify)
    assert.deepEqual(cp.rootHash, rootOf(leaves.slice(0, 20)))
    const now = await log.checkpoint()
    assert.equal(now.checkpoint.size, 25)
    assert.deepEqual(now.checkpoint.rootHash, rootOf(leaves))
    assert.throws(() => openCheckpoint(now.bytes, ed25519Signer().publicKey, ed25519Verify), { name: 'InvalidCheckpointError' })
    // proofs served by the log check against its own checkpoints
    assert.ok(verifyConsistency(20, 25, cp.rootHash, now.checkpoint.rootHash, await log.consistencyProof(20, 25)))
    assert.ok(verifyInclusion(leaves[13]!, 13, 25, await log.inclusionProof(13, 25), now.checkpoint.rootHash))
    await assert.rejects(log.consistencyProof(20, 26), { name: 'InvalidProofRequestError' })
  })

  it('refuses entries that could carry content: long strings, big bytes, oversized data, bad types', async (t) => {
    const { log } = await setup(t)
    const prompt = 'Please summarise our confidential merger plans: '.repeat(10)
    await assert.rejects(log.append({ type: 'task.sent', actor: 'a', data: { prompt } }), { name: 'InvalidAuditEntryError' })
    await assert.rejects(log.append({ type: 'task.sent', actor: 'a', data: { blob: new Uint8Array(1000) } }), { name: 'InvalidAuditEntryError' })
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'x'.repeat(200)]))
    await assert.rejects(log.append({ type: 'task.sent', actor: 'a', data: many }), { name: 'InvalidAuditEntryError' })
    await assert.rejects(log.append({ type: 'Task Sent', actor: 'a' }), { name: 'InvalidAuditEntryError' })
    await assert.rejects(log.append({ type: 'task.sent', actor: '' }), { name: 'InvalidAuditEntryError' })
    await assert.rejects(log.append({ type: 'task.sent', actor: 'a', data: { nested: { x: 1 } as never } }), { name: 'InvalidAuditEntryError' })
    assert.equal(log.length, 0)
  })

  it('stores no plaintext: the database files hold the digest of a prompt, never the prompt', async (t) => {
    const { log, db, dir } = await setup(t)
    const prompt = 'launch-codes-7F3A9 for the quarterly plan'
    await log.append({ type: 'task.sent', actor: 'peer-a', peer: 'peer-b', task: 't1', data: { prompt: digest(prompt) } })
    await log.append({ type: 'task.result', actor: 'peer-b', task: 't1', data: { output: digest('secret answer 42') } })
    await log.stop()
    await db.close()
    for (const name of await readdir(dir)) {
      const content = await readFile(join(dir, name))
      assert.equal(content.indexOf('launch-codes-7F3A9'), -1, name)
      assert.equal(content.indexOf('secret answer 42'), -1, name)
    }
    await db.open()
  })

  it('refuses appends when stopped', async (t) => {
    const { log } = await setup(t)
    await log.stop()
    await assert.rejects(log.append({ type: 'node.stop', actor: 'a' }), { name: 'AuditLogClosedError' })
  })
})

describe('audit/log checkpoints on a timer', () => {
  it('signs a checkpoint when entries wait longer than the interval', { timeout: 10_000 }, async (t) => {
    const { log } = await setup(t, { checkpointIntervalMs: 5, checkpointEveryEntries: 0 })
    await fill(log, 3)
    // wait for the event, not for a duration: the timer fires within a few intervals
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => { if (log.latestCheckpoint()?.checkpoint.size === 3) { clearInterval(poll); resolve() } }, 2)
    })
    assert.equal((await log.verify()).checkpoints, 1)
  })
})

describe('audit/log lazy appends', () => {
  /** Counts the level batches the log writes. */
  function countBatches (db: { batch: (...a: any[]) => any }): { n: number } {
    const count = { n: 0 }
    const batch = db.batch.bind(db)
    db.batch = (...args: any[]) => { count.n++; return batch(...args) }
    return count
  }

  it('writes lazy entries with the next append, in order, in one batch', { timeout: 10_000 }, async (t) => {
    const { db, log } = await setup(t, { lingerMs: 60_000 })
    const batches = countBatches(db)
    const received = log.append({ type: 'task.received', actor: 'peer-a', task: 't1' }, { lazy: true })
    const working = log.append({ type: 'task.state', actor: 'peer-a', task: 't1', data: { state: 'working' } }, { lazy: true })
    const result = await log.append({ type: 'task.result', actor: 'peer-a', task: 't1', data: { output: digest('out') } })
    assert.deepEqual([(await received).seq, (await working).seq, result.seq], [0, 1, 2])
    assert.equal(batches.n, 1)
    assert.deepEqual((await log.byTask('t1')).map(e => e.type), ['task.received', 'task.state', 'task.result'])
  })

  it('writes a lazy entry on its own when nothing follows, at once on writeNow, and on stop', { timeout: 10_000 }, async (t) => {
    const { log } = await setup(t, { lingerMs: 5 })
    // nothing follows: the linger ends and the entry is on disk
    assert.equal((await log.append({ type: 'task.sent', actor: 'peer-a', task: 't1' }, { lazy: true })).seq, 0)
    assert.equal((await log.tail(5)).length, 1)
    const slow = await setup(t, { lingerMs: 60_000 })
    const pending = slow.log.append({ type: 'task.sent', actor: 'peer-a', task: 't2' }, { lazy: true })
    slow.log.writeNow()
    assert.equal((await pending).seq, 0)
    const lingering = slow.log.append({ type: 'task.sent', actor: 'peer-a', task: 't3' }, { lazy: true })
    await slow.log.stop()
    assert.equal((await lingering).seq, 1)
    const again = await openAuditLog({ ...slow.components }, { checkpointIntervalMs: 0 })
    assert.equal(again.length, 2)
    assert.equal((await again.verify()).ok, true)
    await again.stop()
  })
})

describe('audit/log checkpoints under a stream of writes', () => {
  it('signs once per interval, not once per batch, and leaves nothing unsigned once the interval ends', { timeout: 20_000 }, async (t) => {
    const signer = ed25519Signer()
    let signatures = 0
    const counting = { publicKey: signer.publicKey, sign: (m: Uint8Array) => { signatures++; return signer.sign(m) } }
    const { log } = await setup(t, { checkpointIntervalMs: 60_000, checkpointEveryEntries: 0 }, counting)
    await fill(log, 20)
    // the first batch signs; the other 19 wait for the interval
    assert.equal(signatures, 1)
    assert.equal(log.latestCheckpoint()?.checkpoint.size, 1)
    await log.stop()
    // stop signs over the rest: no unsigned tail is left behind
    assert.equal(log.latestCheckpoint()?.checkpoint.size, 20)
    assert.equal(signatures, 2)
  })

  it('signs a trailing checkpoint on its own when the interval ends', { timeout: 10_000 }, async (t) => {
    const { log } = await setup(t, { checkpointIntervalMs: 20, checkpointEveryEntries: 0 })
    await fill(log, 5)
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => { if (log.latestCheckpoint()?.checkpoint.size === 5) { clearInterval(poll); resolve() } }, 2)
    })
    const v = await log.verify()
    assert.equal(v.ok, true)
    assert.equal(v.entries, 5)
  })
})
