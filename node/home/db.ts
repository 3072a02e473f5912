/**
 * The node's own `level` database (`<home>/data/node`): invite redemptions,
 * the revocation list, and later the audit log and task records, each in its
 * own sublevel.
 */
import { Level } from 'level'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

export type NodeDb = Level<string, Uint8Array>
export type Sublevel = ReturnType<NodeDb['sublevel']>

export async function openNodeDb (dataDir: string): Promise<NodeDb> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const db = new Level<string, Uint8Array>(join(dataDir, 'node'), { valueEncoding: 'view' })
  await db.open()
  return db
}

export function bytesSublevel (db: NodeDb, name: string): ReturnType<NodeDb['sublevel']> {
  return db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' }) as unknown as ReturnType<NodeDb['sublevel']>
}
