/**
 * One running node per home. The node takes `node.lock` (created
 * exclusively, holding its pid) before it opens anything; a second start on
 * the same home finds the lock, sees the pid alive and refuses without
 * touching the database or the first node's `api.json`. A lock whose pid is
 * gone was left by a node that crashed, and is taken over.
 *
 * The lock also owns `api.json`: written once the API listens, removed on
 * release, so neither outlives the node that made them.
 *
 * @example
 * const lock = await lockHome(homePaths(home))
 * await lock.publishApi({ url, token })
 * await lock.release()
 */
import { open, readFile, rm } from 'node:fs/promises'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import type { HomePaths } from './home.ts'

export class NodeAlreadyRunningError extends Error {
  static override name = 'NodeAlreadyRunningError'
  readonly pid: number
  constructor (pid: number, api?: string) {
    super(`a node is already running for this home (pid ${pid}${api != null ? `, API ${api}` : ''})`)
    this.name = NodeAlreadyRunningError.name
    this.pid = pid
  }
}

export interface HomeLock {
  /** Writes `api.json` (address and token, 0600) for the CLI to find this node. */
  publishApi: (api: { url: string, token: string }) => Promise<void>
  /** Removes `api.json` and the lock; safe to call twice. */
  release: () => Promise<void>
}

/** Whether a process with this pid exists (EPERM: it exists, under another user). */
export function isProcessAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const MAX_LOCK_BYTES = 64

async function lockHolder (path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).slice(0, MAX_LOCK_BYTES)
    const pid = Number.parseInt(text, 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function apiUrlOf (path: string): Promise<string | undefined> {
  try {
    const url = (JSON.parse(await readFile(path, 'utf8')) as { url?: unknown }).url
    return typeof url === 'string' ? url.slice(0, 256) : undefined
  } catch {
    return undefined
  }
}

/** Takes the home's lock or throws `NodeAlreadyRunningError` naming the running node. */
export async function lockHome (paths: Pick<HomePaths, 'lock' | 'api'>, pid = process.pid): Promise<HomeLock> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(paths.lock, 'wx', 0o600)
      try { await handle.writeFile(`${pid}\n`) } finally { await handle.close() }
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
      const holder = await lockHolder(paths.lock)
      if (holder != null && isProcessAlive(holder)) throw new NodeAlreadyRunningError(holder, await apiUrlOf(paths.api))
      // left by a node that is gone (or unreadable half-written): take it over, with its stale api.json
      await rm(paths.api, { force: true })
      await rm(paths.lock, { force: true })
    }
  }
  let released = false
  return {
    publishApi: async (api) => {
      await writeFileAtomic(paths.api, new TextEncoder().encode(JSON.stringify({ url: api.url, token: api.token, pid }) + '\n'), { mode: 0o600 })
    },
    release: async () => {
      if (released) return
      released = true
      await rm(paths.api, { force: true })
      if (await lockHolder(paths.lock) === pid) await rm(paths.lock, { force: true })
    }
  }
}
