import { createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import type { TestContext } from 'node:test'
import { openAuditLog, type AuditLog } from '../../node/audit/index.ts'

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export interface Signer { sign: (msg: Uint8Array) => Uint8Array, publicKey: Uint8Array }

export function ed25519Signer (): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    sign: (msg) => new Uint8Array(edSign(null, msg, privateKey)),
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length))
  }
}

export function ed25519Verify (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, pub]), format: 'der', type: 'spki' })
  return edVerify(null, msg, key, sig)
}

/**
 * A fresh level database in a temp folder, closed and removed when the test
 * ends, pass or fail. `defer` registers more cleanup that runs before it,
 * last registered first (stop the log, then close the database).
 */
export async function tempLevel (t: TestContext): Promise<{ db: Level<string, Uint8Array>, dir: string, defer: (fn: () => Promise<void>) => void }> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-audit-'))
  const stack: Array<() => Promise<void>> = []
  t.after(async () => {
    for (const fn of stack.reverse()) await fn()
    await rm(dir, { recursive: true, force: true })
  })
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  stack.push(async () => { await db.close() })
  await db.open()
  return { db, dir, defer: (fn) => { stack.push(fn) } }
}

/** A started log signing with `signer`, checkpoints only when asked; stopped and removed when the test ends. */
export async function signedLog (t: TestContext, signer: Signer = ed25519Signer()): Promise<AuditLog> {
  const { db, defer } = await tempLevel(t)
  const log = await openAuditLog({ db, sign: signer.sign, publicKey: signer.publicKey, verify: ed25519Verify }, { checkpointIntervalMs: 0, checkpointEveryEntries: 0 })
  defer(async () => { await log.stop() })
  return log
}
