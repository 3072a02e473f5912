import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { openAuditLog, type AuditLog } from '../../node/audit/index.ts'
import { decodeStored, encodeStored, entryHash } from '../../node/audit/entry.ts'
import { openStores, seqKey, type Stores } from '../../node/audit/store.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { ed25519Signer, ed25519Verify, tempLevel } from './helpers.ts'

const N = 30

/** A log of 30 entries with checkpoints at 10 and 20, then closed; returns its raw stores and a way to reopen it. */
async function closedLog (t: TestContext): Promise<{ stores: Stores, reopen: () => Promise<AuditLog> }> {
  const { db, defer } = await tempLevel(t)
  const signer = ed25519Signer()
  const components = { db: db.sublevel('audit'), sign: signer.sign, publicKey: signer.publicKey, verify: ed25519Verify }
  const log = await openAuditLog(components, { checkpointEveryEntries: 10, checkpointIntervalMs: 0 })
  for (let i = 0; i < N; i++) await log.append({ type: 'policy.decision', actor: 'peer-a', peer: `peer-${i}`, data: { allow: i % 2 === 0, rule: `r${i}` } })
  const latest = log.latestCheckpoint()
  assert.equal(latest?.checkpoint.size, 30)
  // keep the final checkpoint from covering the tampering under test: stop without new entries signs nothing
  await log.stop()
  return {
    stores: openStores(components.db),
    reopen: async () => {
      const again = await openAuditLog(components, { checkpointIntervalMs: 0 })
      defer(async () => { await again.stop() })
      return again
    }
  }
}

async function raw (stores: Stores, seq: number): Promise<Uint8Array> {
  const v = await stores.entries.get(seqKey(seq))
  assert.ok(v != null)
  return v
}

describe('audit/verify detects tampering in the database', () => {
  it('passes an untouched log', async (t) => {
    const { reopen } = await closedLog(t)
    const log = await reopen()
    assert.deepEqual(await log.verify(), { ok: true, entries: N, checkpoints: 3, firstBad: null })
  })

  it('names an entry with one changed byte', async (t) => {
    const { stores, reopen } = await closedLog(t)
    const value = await raw(stores, 12)
    const edited = value.slice()
    const at = Buffer.from(edited).indexOf('r12') // flip the rule name inside the body
    edited[at + 1] = '9'.charCodeAt(0)
    await stores.entries.put(seqKey(12), edited)
    const result = await (await reopen()).verify()
    assert.equal(result.ok, false)
    assert.equal(result.firstBad?.seq, 12)
    assert.equal(result.firstBad?.code, 'hash-mismatch')
  })

  it('names an entry whose bytes no longer decode', async (t) => {
    const { stores, reopen } = await closedLog(t)
    const value = await raw(stores, 3)
    await stores.entries.put(seqKey(3), value.subarray(0, value.length - 5))
    const result = await (await reopen()).verify()
    assert.deepEqual([result.ok, result.firstBad?.seq, result.firstBad?.code], [false, 3, 'malformed'])
  })

  it('names an entry rewritten with a recomputed hash (the chain breaks after it, the checkpoint before it)', async (t) => {
    const { stores, reopen } = await closedLog(t)
    const { body } = decodeStored(await raw(stores, 25))
    const decoded = decodeCbor(body, { maxBytes: 4096 }) as Record<string, unknown>
    decoded.data = { allow: true, rule: 'forged' }
    const forgedBody = encodeCbor(decoded)
    await stores.entries.put(seqKey(25), encodeStored(forgedBody, entryHash(decoded.prev as Uint8Array, forgedBody)))
    const result = await (await reopen()).verify()
    assert.equal(result.ok, false)
    assert.equal(result.firstBad?.seq, 26)
    assert.equal(result.firstBad?.code, 'chain-broken')
  })

  it('names a deleted entry', async (t) => {
    const { stores, reopen } = await closedLog(t)
    await stores.entries.del(seqKey(7))
    const result = await (await reopen()).verify()
    assert.deepEqual([result.ok, result.firstBad?.seq, result.firstBad?.code], [false, 7, 'missing'])
  })

  it('names a deleted last entry', async (t) => {
    const { stores, reopen } = await closedLog(t)
    await stores.entries.del(seqKey(N - 1))
    const result = await (await reopen()).verify()
    assert.deepEqual([result.ok, result.firstBad?.seq, result.firstBad?.code], [false, N - 1, 'missing'])
  })

  it('names the first of two swapped entries', async (t) => {
    const { stores, reopen } = await closedLog(t)
    const a = await raw(stores, 4)
    const b = await raw(stores, 9)
    await stores.entries.put(seqKey(4), b)
    await stores.entries.put(seqKey(9), a)
    const result = await (await reopen()).verify()
    assert.deepEqual([result.ok, result.firstBad?.seq, result.firstBad?.code], [false, 4, 'out-of-order'])
  })

  it('catches a whole tail rewritten consistently, through the signed checkpoint', async (t) => {
    const { stores, reopen } = await closedLog(t)
    // the attacker rewrites entries 15.. with a fresh, internally consistent chain
    let prev = decodeStored(await raw(stores, 14)).hash
    for (let seq = 15; seq < N; seq++) {
      const decoded = decodeCbor(decodeStored(await raw(stores, seq)).body, { maxBytes: 4096 }) as Record<string, unknown>
      decoded.data = { allow: true, rule: 'forged' }
      decoded.prev = prev
      const body = encodeCbor(decoded)
      prev = entryHash(prev, body)
      await stores.entries.put(seqKey(seq), encodeStored(body, prev))
    }
    const result = await (await reopen()).verify()
    assert.equal(result.ok, false)
    assert.equal(result.firstBad?.code, 'checkpoint-mismatch')
    assert.equal(result.firstBad?.seq, 19) // the first signed checkpoint that covers the rewrite is at size 20
  })

  it('refuses a forged checkpoint signature', async (t) => {
    const { stores, reopen } = await closedLog(t)
    const cp = await stores.checkpoints.get(seqKey(20))
    assert.ok(cp != null)
    const forged = cp.slice(); forged[forged.length - 3]! ^= 0xff
    await stores.checkpoints.put(seqKey(20), forged)
    const result = await (await reopen()).verify()
    assert.equal(result.firstBad?.seq, 19)
    assert.deepEqual([result.ok, result.firstBad?.code], [false, 'checkpoint-signature'])
  })
})
