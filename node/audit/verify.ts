/**
 * `mycel audit verify`: recompute everything from the stored bytes and name
 * the first thing that does not check.
 *
 * In order: every checkpoint's signature; then each entry by seq — its key,
 * its own seq (a deletion or a swap shows up here), its `prevHash` against
 * the recomputed chain, its hash against SHA-256(prevHash || body); at each
 * checkpoint's size the recomputed Merkle root and chain head against the
 * signed ones (and against the high-water mark kept outside the data folder);
 * finally the stored log head, checkpoints beyond the last entry
 * (truncation), and a log shorter than the high-water mark (rolled back or
 * wiped). An empty log never passes: a node that ever ran has entries.
 */
import { CHECKPOINT_SIGNATURE_DOMAIN } from './constants.ts'
import { toHex } from '../../identity/bytes.ts'
import { openCheckpoint, type Checkpoint, type VerifyFn } from './checkpoint.ts'
import { decodeChainFields, decodeStored, entryHash } from './entry.ts'
import { appendToFrontier, frontierRoot, leafHash, type FrontierNode, type Hash } from './merkle.ts'
import { decodeMeta, META_KEY, seqKey, type Stores } from './store.ts'
import type { HighWater } from './high-water.ts'

export type AuditFailureCode =
  | 'malformed' | 'missing' | 'out-of-order' | 'hash-mismatch' | 'chain-broken'
  | 'checkpoint-signature' | 'checkpoint-mismatch' | 'truncated' | 'head-mismatch' | 'unexpected-entry'
  | 'rolled-back' | 'high-water-invalid' | 'empty'

export interface AuditVerifyResult {
  /** True only when chain, tree and signatures all check. */
  ok: boolean
  /** Entries read. */
  entries: number
  /** Signed checkpoints checked. */
  checkpoints: number
  /** The first entry that does not check, or null. */
  firstBad: null | { seq: number, code: AuditFailureCode, reason: string }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

/** How the mark is named in a failure: its size, root and when it was signed. */
function describeMark (cp: Checkpoint): string {
  return `the high-water mark of ${cp.size} entries (root ${toHex(cp.rootHash).slice(0, 16)}…, signed ${new Date(cp.time).toISOString()})`
}

export interface VerifyStoresInit {
  /** Whether the log is running: entries past the head may then be in flight. */
  live: boolean
  /** The high-water mark read from outside the data folder. */
  highWater?: HighWater
  signal?: AbortSignal
}

export async function verifyStores (stores: Stores, publicKey: Uint8Array, verify: VerifyFn, opts: VerifyStoresInit): Promise<AuditVerifyResult> {
  let entries = 0
  const bad = (seq: number, code: AuditFailureCode, reason: string, checkpoints: number): AuditVerifyResult =>
    ({ ok: false, entries, checkpoints, firstBad: { seq, code, reason } })

  const metaRaw = await stores.meta.get(META_KEY)
  let meta
  try {
    meta = metaRaw == null ? null : decodeMeta(metaRaw)
  } catch {
    return bad(0, 'malformed', 'the stored log head does not decode', 0)
  }
  const size = meta?.size ?? 0

  // checkpoints first: a forged one must not vouch for anything
  const checkpoints: Checkpoint[] = []
  for await (const [key, value] of stores.checkpoints.iterator()) {
    let cp: Checkpoint
    try {
      cp = openCheckpoint(value, publicKey, verify)
    } catch {
      return bad(Math.max(0, Number(key) - 1), 'checkpoint-signature', `checkpoint at size ${Number(key)} is not validly signed (${CHECKPOINT_SIGNATURE_DOMAIN})`, checkpoints.length)
    }
    if (seqKey(cp.size) !== key) return bad(Math.max(0, cp.size - 1), 'checkpoint-mismatch', `checkpoint stored under size ${Number(key)} says ${cp.size}`, checkpoints.length)
    checkpoints.push(cp)
  }
  checkpoints.sort((a, b) => a.size - b.size)
  let nextCp = 0
  const hw = opts.highWater ?? null
  if (hw != null && 'invalid' in hw) return bad(0, 'high-water-invalid', hw.invalid, checkpoints.length)
  const mark = hw?.checkpoint ?? null

  const frontier: FrontierNode[] = []
  let prev: Hash = new Uint8Array(32)
  const checkCheckpoints = (n: number): AuditVerifyResult | null => {
    if (mark != null && mark.size === n && (!same(frontierRoot(frontier), mark.rootHash) || !same(prev, mark.headHash))) {
      return bad(Math.max(0, n - 1), 'rolled-back', `entries 0..${n - 1} are not the ones in ${describeMark(mark)}: the log was replaced or rewritten`, nextCp)
    }
    while (nextCp < checkpoints.length && (checkpoints[nextCp] as Checkpoint).size === n) {
      const cp = checkpoints[nextCp] as Checkpoint
      if (!same(frontierRoot(frontier), cp.rootHash) || !same(prev, cp.headHash)) {
        return bad(Math.max(0, n - 1), 'checkpoint-mismatch', `entries 0..${n - 1} do not match the checkpoint signed at size ${n}: history was rewritten`, nextCp)
      }
      nextCp++
    }
    return null
  }
  const atZero = checkCheckpoints(0)
  if (atZero != null) return atZero

  const iterator = stores.entries.iterator({ ...(opts.live ? { lt: seqKey(size) } : {}), highWaterMarkBytes: 1 << 20 } as { lt?: string })
  for await (const [key, value] of iterator) {
    const seq = entries
    if (seq % 1024 === 0) opts.signal?.throwIfAborted()
    if (!opts.live && seq >= size) return bad(seq, 'unexpected-entry', `entry ${key.replace(/^0+(?=\d)/, '')} lies beyond the log head (${size} entries)`, nextCp)
    entries++
    if (key !== seqKey(seq)) {
      return bad(seq, 'missing', `entry ${seq} is missing (next stored entry is ${key.replace(/^0+(?=\d)/, '')})`, nextCp)
    }
    let body: Uint8Array; let hash: Hash; let entrySeq: number; let entryPrev: Hash
    try {
      ({ body, hash } = decodeStored(value))
      const fields = decodeChainFields(body)
      entrySeq = fields.seq
      entryPrev = fields.prev
    } catch {
      return bad(seq, 'malformed', `entry ${seq} does not decode`, nextCp)
    }
    if (entrySeq !== seq) return bad(seq, 'out-of-order', `entry stored at ${seq} says it is entry ${entrySeq}`, nextCp)
    if (!same(entryHash(entryPrev, body), hash)) return bad(seq, 'hash-mismatch', `entry ${seq} was edited: its hash does not match its content`, nextCp)
    if (!same(entryPrev, prev)) return bad(seq, 'chain-broken', `entry ${seq} does not follow entry ${seq - 1} in the hash chain`, nextCp)
    prev = hash
    appendToFrontier(frontier, seq, leafHash(hash))
    const cpBad = checkCheckpoints(entries)
    if (cpBad != null) return cpBad
  }

  if (entries < size) return bad(entries, 'missing', `entry ${entries} is missing (the log head says ${size} entries)`, nextCp)
  if (mark != null && entries < mark.size) {
    return bad(entries, 'rolled-back', `the log holds ${entries} entries, fewer than ${describeMark(mark)}: it was truncated, wiped or restored from an older copy`, nextCp)
  }
  if (nextCp < checkpoints.length) {
    const cp = checkpoints[nextCp] as Checkpoint
    return bad(entries, 'truncated', `a checkpoint covers ${cp.size} entries but only ${entries} are stored`, nextCp)
  }
  if (meta != null && (!same(meta.head, prev) || !same(frontierRoot(meta.frontier), frontierRoot(frontier)))) {
    return bad(Math.max(0, entries - 1), 'head-mismatch', 'the stored log head does not match the entries', nextCp)
  }
  if (entries === 0) return bad(0, 'empty', 'the log is empty: this node has recorded nothing, or its log was wiped', nextCp)
  return { ok: true, entries, checkpoints: checkpoints.length, firstBad: null }
}
