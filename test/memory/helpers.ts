/** Shared test fixtures: temporary folders that always go away, a stub embedder, a store on a real level database. */
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import type { TestContext } from 'node:test'
import { Level } from 'level'
import { MemoryStore, type MemoryStoreInit } from '../../node/memory/index.ts'
import { tokenize } from '../../node/memory/tokenize.ts'

/** A temp folder removed when the test ends, pass or fail. */
export async function tempDir (t: TestContext, prefix = 'mycel-memory-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

export async function writeFiles (root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name)
    await mkdir(dirname(p), { recursive: true })
    await writeFile(p, content)
  }
}

/** Deterministic embeddings: hashed bag of words (FNV-1a) into `dims` buckets. Texts sharing words are near. */
export function stubEmbed (dims = 64): (texts: string[]) => Promise<Float32Array[]> {
  return async (texts) => texts.map(text => {
    const v = new Float32Array(dims)
    for (const tok of tokenize(text)) {
      let h = 0x811c9dc5
      for (let i = 0; i < tok.length; i++) { h ^= tok.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0 }
      v[h % dims]! += (h & 0x10000) !== 0 ? 1 : -1
    }
    return v
  })
}

export interface OpenStore { db: Level<string, Uint8Array>, store: MemoryStore, writes: () => number }

/** A started store on a fresh level database (in its own temp folder unless `dbDir` is given); closed when the test ends. Counts operations written. */
export async function openStore (t: TestContext, dbDir?: string, init: MemoryStoreInit = {}): Promise<OpenStore> {
  const db = new Level<string, Uint8Array>(dbDir ?? join(await tempDir(t, 'mycel-memory-db-'), 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  let writes = 0
  db.on('write', (ops: unknown[]) => { writes += ops.length })
  const store = new MemoryStore({ db }, init)
  await store.start()
  t.after(async () => { await store.stop(); await db.close() })
  return { db, store, writes: () => writes }
}
