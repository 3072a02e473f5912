/**
 * Audit log: appends per second next to raw `level` puts of the same value
 * size in the same run (what chaining, Merkle nodes, the head record and the
 * batch cost), and `verify()` of 100,000 entries next to a plain read of the
 * same entries (what decoding and re-hashing cost).
 * Reproduce with `npm run bench -- audit`.
 */
import { createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { digest, openAuditLog, type AuditEntryInput } from '../../node/audit/index.ts'
import { opsPerSecond, type BenchRow, type BenchSuite } from './table.ts'

const VERIFY_ENTRIES = 100_000
const CONCURRENCY = 64
const SPKI = Buffer.from('302a300506032b6570032100', 'hex')

function signer (): { sign: (m: Uint8Array) => Uint8Array, publicKey: Uint8Array, verify: (p: Uint8Array, m: Uint8Array, s: Uint8Array) => boolean } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    sign: (m) => new Uint8Array(edSign(null, m, privateKey)),
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI.length)),
    verify: (p, m, s) => edVerify(null, m, createPublicKey({ key: Buffer.concat([SPKI, p]), format: 'der', type: 'spki' }), s)
  }
}

/** A typical entry: a policy decision about a task, with a result digest. */
const entry = (i: number): AuditEntryInput => ({
  type: 'policy.decision',
  actor: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo',
  peer: '12D3KooWRBhwfeP2Y9CDkFRBAZ1pmxUadH36TKuk3KtKm5XXP8mA',
  task: `task-${i}`,
  data: { allow: true, rule: 'members-llm-echo', kind: 'llm.chat', input: digest(`prompt ${i}`) }
})

async function withDb<T> (fn: (db: Level<string, Uint8Array>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-bench-audit-'))
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  try {
    await db.open()
    return await fn(db)
  } finally {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export const audit: BenchSuite = {
  name: 'audit',
  run: async () => {
    const keys = signer()
    const rows: BenchRow[] = []
    // the stored size of one entry, so the raw puts write the same bytes
    const valueBytes = await withDb(async (db) => {
      const log = await openAuditLog({ db, ...keys })
      await log.append(entry(0))
      let size = 0
      for await (const v of db.sublevel<string, Uint8Array>('e', { valueEncoding: 'view' }).values()) size = v.byteLength
      await log.stop()
      return size
    })
    const value = new Uint8Array(valueBytes).fill(7)

    const seqRaw = await withDb(async (db) => { let i = 0; return await opsPerSecond(async () => { await db.put(`k${i++}`, value) }) })
    const seqAudit = await withDb(async (db) => {
      const log = await openAuditLog({ db, ...keys })
      let i = 0
      const ops = await opsPerSecond(async () => { await log.append(entry(i++)) })
      await log.stop()
      return ops
    })
    rows.push({ suite: 'audit', name: 'appends/s, one at a time', value: seqAudit, unit: 'ops/s', baseline: { name: `level put/s (${valueBytes} B)`, value: seqRaw } })

    const parRaw = await withDb(async (db) => {
      let i = 0
      return CONCURRENCY * await opsPerSecond(async () => { await Promise.all(Array.from({ length: CONCURRENCY }, () => db.put(`k${i++}`, value))) })
    })
    const parAudit = await withDb(async (db) => {
      const log = await openAuditLog({ db, ...keys })
      let i = 0
      const ops = CONCURRENCY * await opsPerSecond(async () => { await Promise.all(Array.from({ length: CONCURRENCY }, () => log.append(entry(i++)))) })
      await log.stop()
      return ops
    })
    rows.push({ suite: 'audit', name: `appends/s, ${CONCURRENCY} concurrent`, value: parAudit, unit: 'ops/s', baseline: { name: `level put/s, ${CONCURRENCY} concurrent`, value: parRaw } })

    await withDb(async (db) => {
      const log = await openAuditLog({ db, ...keys })
      for (let i = 0; i < VERIFY_ENTRIES; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.append(entry(i + j))))
      await log.stop()
      const again = await openAuditLog({ db, ...keys })
      const entries = db.sublevel<string, Uint8Array>('e', { valueEncoding: 'view' })
      let t = performance.now()
      let n = 0
      for await (const v of entries.values()) n += v.byteLength > 0 ? 1 : 0
      const readMs = performance.now() - t
      t = performance.now()
      const result = await again.verify()
      const verifyMs = performance.now() - t
      await again.stop()
      if (!result.ok || result.entries !== VERIFY_ENTRIES || n !== VERIFY_ENTRIES) throw new Error(`bench log did not verify: ${JSON.stringify(result.firstBad)}`)
      rows.push({ suite: 'audit', name: `verify ${VERIFY_ENTRIES.toLocaleString('en-US')} entries`, value: verifyMs, unit: 'ms', baseline: { name: 'level read of the same entries', value: readMs } })
    })
    return rows
  }
}
