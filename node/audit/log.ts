/**
 * The append-only audit log service. Appends are ordered at call time (seq,
 * chain and Merkle frontier advance synchronously in memory, so concurrent
 * callers can never fork the chain) and committed in group batches: all
 * appends waiting while one batch is written go out in the next one. A failed
 * write stops the log (`AuditLogFailedError`) rather than leave memory ahead
 * of disk.
 *
 * An entry nothing waits on yet (`{ lazy: true }`: a task's `received` and
 * `working`, which the work need not wait for) may linger up to `lingerMs`
 * for the next write, so one task's entries go to disk in one batch instead
 * of one before the work and one after; any other append, or `writeNow()`,
 * takes the lingering ones along at once.
 *
 * A checkpoint rides in the first batch after `checkpointIntervalMs` has
 * passed since the last one, or is signed on its own when the interval ends
 * with entries still unsigned: the unsigned tail lasts at most one
 * interval, and a stream of tasks pays one signature per interval instead of
 * one per batch. Each one advances the high-water mark kept outside the
 * data folder (see `high-water.ts`).
 */
import { createLogger, type Logger } from '../logger.ts'
import { AUDIT_LINGER_MS, CHECKPOINT_EVERY_ENTRIES, CHECKPOINT_INTERVAL_MS, GENESIS_HASH_BYTES, MAX_TAIL_ENTRIES } from './constants.ts'
import { openCheckpoint, signCheckpoint, type Checkpoint, type SignFn, type VerifyFn } from './checkpoint.ts'
export type { PeerCheckpointResult } from './peer-checkpoints.ts'
import { checkEntryInput, decodeBody, decodeStored, encodeBody, encodeStored, entryHash, type AuditEntry, type AuditEntryInput } from './entry.ts'
import { AuditLogClosedError, AuditLogFailedError, InvalidProofRequestError } from './errors.ts'
import { appendToFrontier, consistencyPath, frontierRoot, inclusionPath, leafHash, type FrontierNode, type Hash } from './merkle.ts'
import { PeerCheckpoints, type PeerCheckpointResult } from './peer-checkpoints.ts'
import { decodeMeta, encodeMeta, META_KEY, nodeKey, openStores, seqKey, taskKey, writeBatch, type AuditDb, type BatchOp, type Stores } from './store.ts'
import { verifyStores, type AuditVerifyResult } from './verify.ts'
import { HighWaterMark, readHighWater, type HighWaterStore } from './high-water.ts'

export interface AuditLogComponents {
  /** A `level` database or sublevel the log owns; its lifetime belongs to the caller. */
  db: AuditDb
  /** Signs with this node's ed25519 key (identity module's `sign`, curried). */
  sign: SignFn
  /** This node's ed25519 public key, to verify its own checkpoints. */
  publicKey: Uint8Array
  /** ed25519 verification (identity module's `verify`). */
  verify: VerifyFn
  /**
   * Where the high-water mark lives, outside the log's database (see
   * `highWaterFile(highWaterPath(identityKeyPath))`). Without one a rollback
   * of the database to an older checkpoint cannot be told from the real log.
   */
  highWater?: HighWaterStore
  /** @default createLogger('mycel:node:audit') (silent unless DEBUG=mycel:*) */
  logger?: Logger
}

export interface AuditLogInit {
  /** Sign a checkpoint after this many new entries. @default 1000 (CHECKPOINT_EVERY_ENTRIES) */
  checkpointEveryEntries?: number
  /** Above 0, written entries are under a signed checkpoint within this many milliseconds (signed into a batch, or on its own when the interval ends); 0 signs only every N entries and on stop. @default CHECKPOINT_INTERVAL_MS */
  checkpointIntervalMs?: number
  /** How long a lazy append may wait for company before it is written. @default AUDIT_LINGER_MS */
  lingerMs?: number
  /** Clock in milliseconds since the epoch. @default Date.now */
  now?: () => number
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint
  /** What to send to peers: `CBOR({body, sig})`. */
  bytes: Uint8Array
}

export interface AppendOptions {
  /**
   * Nothing waits on this entry yet: it may wait up to `lingerMs` for the next
   * append and go to disk in the same batch. Its promise still resolves only
   * once it is on disk; call `writeNow()` before awaiting it.
   */
  lazy?: boolean
}

interface Pending { ops: BatchOp[], checkpoint?: SignedCheckpoint, resolve: () => void, reject: (err: Error) => void }

const ZERO_HASH = new Uint8Array(GENESIS_HASH_BYTES)

export class AuditLog {
  private readonly stores: Stores
  private readonly components: AuditLogComponents
  private readonly log: Logger
  private readonly every: number
  private readonly intervalMs: number
  private readonly lingerMs: number
  private linger: ReturnType<typeof setTimeout> | null = null
  /** When the latest checkpoint was signed (`performance.now()`), and the timer that signs a trailing one. */
  private signedAt = -Infinity
  private trailing: ReturnType<typeof setTimeout> | null = null
  private readonly now: () => number
  private started = false
  private failed: Error | null = null
  private size = 0
  private committedSize = 0
  private head: Hash = ZERO_HASH
  private frontier: FrontierNode[] = []
  private checkpointSize = 0
  private latest: SignedCheckpoint | null = null
  private pending: Pending[] = []
  private flushing: Promise<void> | null = null
  private readonly highWater: HighWaterMark | null
  private readonly peers: PeerCheckpoints

  constructor (components: AuditLogComponents, init: AuditLogInit = {}) {
    this.components = components
    this.stores = openStores(components.db)
    this.log = components.logger ?? createLogger('mycel:node:audit')
    this.every = init.checkpointEveryEntries ?? CHECKPOINT_EVERY_ENTRIES
    this.intervalMs = init.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS
    this.lingerMs = init.lingerMs ?? AUDIT_LINGER_MS
    this.now = init.now ?? Date.now
    this.highWater = components.highWater != null ? new HighWaterMark(components.highWater, this.log) : null
    this.peers = new PeerCheckpoints(this.stores.peers, components.verify)
  }

  async start (): Promise<void> {
    if (this.started) return
    const raw = await this.stores.meta.get(META_KEY)
    if (raw != null) {
      const meta = decodeMeta(raw)
      this.size = this.committedSize = meta.size
      this.head = meta.head
      this.frontier = meta.frontier
      this.checkpointSize = meta.checkpointSize
    }
    for await (const value of this.stores.checkpoints.values({ reverse: true, limit: 1 })) {
      try {
        this.latest = { checkpoint: openCheckpoint(value, this.components.publicKey, this.components.verify), bytes: new Uint8Array(value) }
      } catch (err) {
        // keep the node up; `verify()` reports the bad checkpoint, and the next one is signed afresh
        this.log.error('latest stored checkpoint does not verify: %e', err)
      }
    }
    await this.highWater?.load({ publicKey: this.components.publicKey, verify: this.components.verify, size: this.size, root: frontierRoot(this.frontier), read: this.readNode })
    this.failed = null
    this.started = true
    this.log('started at size %d', this.size)
  }

  /** Waits for pending appends, signs a final checkpoint when there is anything new, and stops. Idempotent. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.writeNow()
    if (this.trailing != null) { clearTimeout(this.trailing); this.trailing = null }
    if (this.failed == null && this.size > this.checkpointSize) await this.checkpoint()
    await this.flushing
    await this.highWater?.flush()
    this.started = false
    this.log('stopped at size %d', this.size)
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.stop()
  }

  /** Number of entries appended (including those still being written). */
  get length (): number {
    return this.size
  }

  /** Appends one entry; resolves once it is on disk. Throws `InvalidAuditEntryError` for bad input. */
  async append (input: AuditEntryInput, opts: AppendOptions = {}): Promise<AuditEntry> {
    this.assertWritable()
    const entry = checkEntryInput(input)
    const seq = this.size
    const time = this.now()
    const prevHash = this.head
    const body = encodeBody(entry, seq, time, prevHash)
    const hash = entryHash(prevHash, body)
    const ops: BatchOp[] = [{ sublevel: this.stores.entries, key: seqKey(seq), value: encodeStored(body, hash) }]
    for (const node of appendToFrontier(this.frontier, seq, leafHash(hash))) {
      // leaves are not stored: a leaf hash is one hash of the entry's own hash (see readNode)
      if (node.level > 0) ops.push({ sublevel: this.stores.nodes, key: nodeKey(node.level, node.index), value: node.hash })
    }
    if (entry.task != null) ops.push({ sublevel: this.stores.tasks, key: taskKey(entry.task, seq), value: new Uint8Array(0) })
    this.size = seq + 1
    this.head = hash
    const signed = this.every > 0 && this.size - this.checkpointSize >= this.every ? this.signNow(ops) : undefined
    await this.enqueue(ops, signed, opts.lazy === true)
    return { ...entry, seq, time, prevHash, hash }
  }

  /** Starts writing lingering lazy entries now; await their `append` promises for the write itself. */
  writeNow (): void {
    if (this.linger != null) { clearTimeout(this.linger); this.linger = null }
    if (this.pending.length > 0) this.flushing ??= this.flush()
  }

  /** Signs a checkpoint over everything appended so far (or returns the latest if nothing is new). */
  async checkpoint (): Promise<SignedCheckpoint> {
    this.assertWritable()
    if (this.latest == null || this.size > this.checkpointSize) {
      const ops: BatchOp[] = []
      const signed = this.signNow(ops)
      await this.enqueue(ops, signed)
    } else {
      await this.flushing
    }
    return this.latest as SignedCheckpoint
  }

  /** The latest signed checkpoint, to hand to peers. */
  latestCheckpoint (): SignedCheckpoint | null {
    return this.latest
  }

  /** Writes lingering lazy entries now and waits for every pending write: a reader then sees all that was appended before. */
  async settle (): Promise<void> {
    if (!this.started) return
    this.writeNow()
    await this.flushing
  }

  /** The last `n` entries, oldest first. */
  async tail (n = 20): Promise<AuditEntry[]> {
    await this.settle()
    const out: AuditEntry[] = []
    const limit = Math.max(0, Math.min(n, MAX_TAIL_ENTRIES))
    if (limit === 0) return out
    for await (const value of this.stores.entries.values({ reverse: true, limit })) {
      const { body, hash } = decodeStored(value)
      out.push(decodeBody(body, hash))
    }
    return out.reverse()
  }

  /** One entry by sequence number, or undefined. */
  async get (seq: number): Promise<AuditEntry | undefined> {
    await this.settle()
    const value = await this.stores.entries.get(seqKey(seq))
    if (value == null) return undefined
    const { body, hash } = decodeStored(value)
    return decodeBody(body, hash)
  }

  /** Every entry about one task, oldest first. */
  async byTask (taskId: string): Promise<AuditEntry[]> {
    await this.settle()
    const seqs: string[] = []
    for await (const key of this.stores.tasks.keys({ gt: `${taskId}\u0000`, lt: `${taskId}\u0001` })) seqs.push(key.slice(taskId.length + 1))
    const values = await this.stores.entries.getMany(seqs)
    return values.filter((v): v is Uint8Array => v != null).map(v => { const s = decodeStored(v); return decodeBody(s.body, s.hash) })
  }

  /** RFC 6962 consistency proof between two sizes of this log (both at most the committed size). */
  async consistencyProof (oldSize: number, newSize: number): Promise<Hash[]> {
    await this.flushing
    if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize || newSize > this.committedSize) throw new InvalidProofRequestError()
    return await consistencyPath(this.readNode, oldSize, newSize)
  }

  /** RFC 6962 inclusion proof of entry `seq` in the tree of `size` entries. */
  async inclusionProof (seq: number, size: number): Promise<Hash[]> {
    await this.flushing
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(size) || seq < 0 || seq >= size || size > this.committedSize) throw new InvalidProofRequestError()
    return await inclusionPath(this.readNode, seq, size)
  }

  /**
   * Keeps the latest checkpoint a peer showed us of its own log, so it cannot
   * quietly rewrite its history later (see `peer-checkpoints.ts`).
   */
  async recordPeerCheckpoint (peerId: string, peerPublicKey: Uint8Array, bytes: Uint8Array, proof?: Hash[]): Promise<PeerCheckpointResult> {
    return await this.peers.record(peerId, peerPublicKey, bytes, proof)
  }

  /** The latest checkpoint recorded for a peer (raw signed bytes), or undefined. */
  async peerCheckpoint (peerId: string): Promise<Uint8Array | undefined> {
    return await this.peers.latest(peerId)
  }

  /**
   * Recomputes the whole chain, the Merkle root at every stored checkpoint
   * and every checkpoint signature; names the first bad entry. Works whether
   * or not the log is started. `signal` aborts a long verification.
   */
  async verify (options: { signal?: AbortSignal } = {}): Promise<AuditVerifyResult> {
    await this.flushing
    await this.highWater?.flush()
    // read afresh: the file, not what this process believes, is what a rollback would have to defeat
    const highWater = await readHighWater(this.components.highWater, this.components.publicKey, this.components.verify)
    return await verifyStores(this.stores, this.components.publicKey, this.components.verify, { live: this.started, highWater, ...options })
  }

  private readonly readNode = async (level: number, index: number): Promise<Hash> => {
    if (level === 0) {
      const value = await this.stores.entries.get(seqKey(index))
      if (value == null) throw new InvalidProofRequestError(`Entry ${index} is missing`)
      return leafHash(decodeStored(value).hash)
    }
    const h = await this.stores.nodes.get(nodeKey(level, index))
    if (h == null) throw new InvalidProofRequestError(`Merkle node ${level}:${index} is missing`)
    return h
  }

  private assertWritable (): void {
    if (!this.started) throw new AuditLogClosedError()
    if (this.failed != null) throw new AuditLogFailedError()
  }

  /**
   * Signs a checkpoint over everything appended so far and adds its write to
   * `ops`. Checkpoints now come after every batch, so keeping each would
   * store one per batch forever: the previous one is replaced when both fall
   * in the same stretch of `every` entries. What stays is the last
   * checkpoint of each stretch and the latest, and the latest covers
   * everything before it.
   */
  private signNow (ops: BatchOp[]): SignedCheckpoint {
    const previous = this.latest != null ? this.checkpointSize : 0
    const checkpoint: Checkpoint = { size: this.size, rootHash: frontierRoot(this.frontier), headHash: this.head, time: this.now() }
    const bytes = signCheckpoint(checkpoint, this.components.sign)
    const signed = this.latest = { checkpoint, bytes }
    this.checkpointSize = this.size
    this.signedAt = performance.now()
    ops.push({ sublevel: this.stores.checkpoints, key: seqKey(this.size), value: bytes })
    const stretch = this.every > 0 ? this.every : CHECKPOINT_EVERY_ENTRIES
    if (previous > 0 && previous < this.size && Math.ceil(previous / stretch) === Math.ceil(this.size / stretch)) {
      ops.push({ sublevel: this.stores.checkpoints, key: seqKey(previous), del: true })
    }
    return signed
  }

  private async enqueue (ops: BatchOp[], checkpoint: SignedCheckpoint | undefined, lazy = false): Promise<void> {
    const done = new Promise<void>((resolve, reject) => { this.pending.push({ ops, ...(checkpoint != null ? { checkpoint } : {}), resolve, reject }) })
    // a lazy entry joins a write under way, or waits a moment for the task's next one
    if (lazy && this.flushing == null && this.lingerMs > 0) this.linger ??= setTimeout(() => { this.linger = null; this.writeNow() }, this.lingerMs)
    else this.writeNow()
    await done
  }

  /** Once the interval after the latest checkpoint ends, signs one over whatever came since. */
  private scheduleCheckpoint (): void {
    if (this.trailing != null || this.intervalMs <= 0 || this.size <= this.checkpointSize) return
    const wait = Math.max(0, this.signedAt + this.intervalMs - performance.now())
    this.trailing = setTimeout(() => {
      this.trailing = null
      if (!this.started || this.failed != null || this.size <= this.checkpointSize) return
      this.checkpoint().catch((err: Error) => { this.log.error('signing a checkpoint failed: %e', err) })
    }, wait)
  }

  private async flush (): Promise<void> {
    // let appends made in the same tick join the first batch
    await Promise.resolve()
    try {
      while (this.pending.length > 0) {
        const group = this.pending
        this.pending = []
        const size = this.size
        const ops = group.flatMap(p => p.ops)
        // a due checkpoint rides in the batch: no second write for the signature
        const due = this.intervalMs > 0 && size > this.checkpointSize && performance.now() - this.signedAt >= this.intervalMs
        const signed = due ? this.signNow(ops) : undefined
        ops.push({ sublevel: this.stores.meta, key: META_KEY, value: encodeMeta({ size, head: this.head, frontier: this.frontier, checkpointSize: this.checkpointSize }) })
        try {
          await writeBatch(this.stores, ops)
        } catch (err) {
          this.failed = err as Error
          this.log.error('audit write failed, refusing further appends: %e', err)
          const failure = new AuditLogFailedError()
          for (const p of [...group, ...this.pending]) p.reject(failure)
          this.pending = []
          return
        }
        this.committedSize = size
        for (const p of group) {
          // only a committed checkpoint may raise the mark: one still in memory could be lost in a crash
          if (p.checkpoint != null) this.highWater?.offer(p.checkpoint)
          p.resolve()
        }
        if (signed != null) this.highWater?.offer(signed)
      }
    } finally {
      this.flushing = null
    }
    if (this.failed == null) this.scheduleCheckpoint()
  }
}

/** js-libp2p style factory: `auditLog({ checkpointEveryEntries: 500 })(components)`. */
export function auditLog (init: AuditLogInit = {}): (components: AuditLogComponents) => AuditLog {
  return (components) => new AuditLog(components, init)
}

/** Creates and starts a log (for tests and one-shot tools such as `mycel audit verify`). */
export async function openAuditLog (components: AuditLogComponents, init: AuditLogInit = {}): Promise<AuditLog> {
  const log = new AuditLog(components, init)
  await log.start()
  return log
}
