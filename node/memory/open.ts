/**
 * Opening a memory store on its own database folder, as the CLI does when no
 * node holds the database: the store, the conversation memory and the ANN
 * files beside it, with the key derived from `MYCEL_PASSPHRASE` when set.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { randomBytes, scrypt } from 'node:crypto'
import { dirname } from 'node:path'
import { Level } from 'level'
import type { ConversationMemory } from './conversation.ts'
import { memory } from './service.ts'
import type { MemoryStore, MemoryStoreInit } from './store.ts'

export interface OpenMemoryInit extends Omit<MemoryStoreInit, 'encryptionKey'> {
  /** Derive the encryption key from this passphrase (scrypt, salt kept in `<dir>.salt`). @default unencrypted */
  passphrase?: string
  /** A key given directly wins over `passphrase`. */
  encryptionKey?: Uint8Array
}

export interface OpenedMemory {
  store: MemoryStore
  conversations: ConversationMemory
  /** Stops both and closes the database. Idempotent. */
  close: () => Promise<void>
  [Symbol.asyncDispose]: () => Promise<void>
}

/** scrypt parameters: about 100 ms on a laptop; the passphrase guards data at rest. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

export async function deriveMemoryKey (passphrase: string, salt: Uint8Array): Promise<Uint8Array> {
  return await new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, SCRYPT, (err, key) => { if (err != null) reject(err); else resolve(new Uint8Array(key)) })
  })
}

async function saltFor (dir: string): Promise<Uint8Array> {
  const path = `${dir}.salt`
  if (existsSync(path)) return new Uint8Array(await readFile(path))
  const salt = new Uint8Array(randomBytes(16))
  await writeFile(path, salt, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err })
  return new Uint8Array(await readFile(path))
}

export async function openMemory (dir: string, init: OpenMemoryInit = {}): Promise<OpenedMemory> {
  await mkdir(dirname(dir), { recursive: true, mode: 0o700 })
  const { passphrase, ...rest } = init
  const encryptionKey = init.encryptionKey ?? (passphrase != null && passphrase !== '' ? await deriveMemoryKey(passphrase, await saltFor(dir)) : undefined)
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  const storeInit: MemoryStoreInit = { indexDir: `${dir}.vectors`, ...rest, ...(encryptionKey != null ? { encryptionKey } : {}) }
  const service = memory(storeInit)({ db })
  try {
    await service.start()
  } catch (err) {
    await db.close()
    throw err
  }
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await service.stop()
    await db.close()
  }
  return { store: service.store, conversations: service.conversations, close, [Symbol.asyncDispose]: close }
}
