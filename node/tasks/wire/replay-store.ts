/**
 * The ids of the delegated requests this node accepted, kept on disk until
 * they expire, so a request replayed to a restarted executor is refused.
 * Keys lead with the request's own expiry (`<expiresAt, 16 digits>:<msgId>`):
 * the ids that expired go in one range delete, and a start reads only the
 * ones still alive into memory, after which no request waits on the disk.
 * A request's expiry is signed with it, so a replay carries the same key.
 *
 * @example
 * const store = levelReplayStore(db)
 * for (const [msgId, expiresAt] of await store.unexpired(Date.now())) remember(msgId, expiresAt)
 * await store.add(req.msgId, req.expiresAt)
 * await store.prune(Date.now() - skew)
 */
import type { AbstractLevel } from 'abstract-level'
import { decodeCbor } from '../../../protocol/cbor.ts'

export interface ReplayStore {
  /** Every id whose request expires at or after `since`, with that expiry. */
  unexpired: (since: number) => Promise<Array<[msgId: string, expiresAt: number]>>
  add: (msgId: string, expiresAt: number) => Promise<void>
  /** Forgets the ids of requests that expired before `before`. */
  prune: (before: number) => Promise<void>
}

/** Where the ids live in the node's database; `seen` is the unpruned layout of earlier versions (key: msgId, value: CBOR expiry). */
const SUBLEVEL = 'replay'
const LEGACY_SUBLEVEL = 'seen'
const EMPTY = new Uint8Array(0)

const timeKey = (ms: number): string => Math.max(0, Math.floor(ms)).toString().padStart(16, '0')

export function levelReplayStore (db: AbstractLevel<any, string, any>): ReplayStore {
  const ids = db.sublevel<string, Uint8Array>(SUBLEVEL, { valueEncoding: 'view' })
  const legacy = db.sublevel<string, Uint8Array>(LEGACY_SUBLEVEL, { valueEncoding: 'view' })
  let migrated = false

  /** Moves what an earlier version wrote into the pruned layout once, then drops the old sublevel. */
  async function migrate (since: number): Promise<void> {
    if (migrated) return
    const live: Array<{ type: 'put', key: string, value: Uint8Array }> = []
    for await (const [msgId, value] of legacy.iterator()) {
      let expiresAt: unknown
      try { expiresAt = decodeCbor(value, { maxBytes: 64 }) } catch { continue }
      if (typeof expiresAt === 'number' && expiresAt >= since) live.push({ type: 'put', key: `${timeKey(expiresAt)}:${msgId}`, value: EMPTY })
    }
    if (live.length > 0) await ids.batch(live)
    await legacy.clear()
    migrated = true
  }

  return {
    async unexpired (since) {
      await migrate(since)
      const out: Array<[string, number]> = []
      for await (const key of ids.keys({ gte: timeKey(since) })) {
        const colon = key.indexOf(':')
        out.push([key.slice(colon + 1), Number(key.slice(0, colon))])
      }
      return out
    },
    async add (msgId, expiresAt) {
      await ids.put(`${timeKey(expiresAt)}:${msgId}`, EMPTY)
    },
    async prune (before) {
      await ids.clear({ lt: timeKey(before) })
    }
  }
}
