/**
 * The node's own `level` database (`<home>/data/node`): invite redemptions,
 * the revocation list, the audit log and task records, each in its own
 * sublevel. Its files hold the audit log and task records, so they are
 * private to the node's user (0600): a Mycel process runs with umask 077
 * (`cli/bin.ts`), and files an older version left readable are narrowed
 * when the database opens.
 */
import { Level } from 'level'
import { chmod, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'

export type NodeDb = Level<string, Uint8Array>

/** The get/put pair of a bytes sublevel, as the services that keep one value or a few want it. */
export interface KvStore {
  get: (key: string) => Promise<Uint8Array | undefined>
  put: (key: string, value: Uint8Array) => Promise<void>
}

/** Opens `<dataDir>/node`, creating it (0700) the first time. */
export async function openNodeDb (dataDir: string): Promise<NodeDb> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, 'node')
  const db = new Level<string, Uint8Array>(path, { valueEncoding: 'view' })
  await db.open()
  await privateFiles(path)
  return db
}

/** A bytes sublevel of the node's database, seen as a key-value store. */
export function kvStore (db: NodeDb, name: string): KvStore {
  const sub = db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' })
  return {
    get: async (key) => await sub.get(key),
    put: async (key, value) => { await sub.put(key, value) }
  }
}

/** Narrows every file of a database folder to 0600 and the folder to 0700. */
export async function privateFiles (dir: string): Promise<void> {
  await chmod(dir, 0o700)
  for (const name of await readdir(dir)) await chmod(join(dir, name), 0o600).catch(() => {})
}
