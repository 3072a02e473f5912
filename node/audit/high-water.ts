/**
 * The audit log's high-water mark: a copy of the largest checkpoint this node
 * ever signed (size, Merkle root, chain head, signed by the node key), kept in
 * a file beside the identity key, outside the data folder. Rolling back or
 * wiping the data folder alone then no longer yields a log that verifies:
 * `verify` finds fewer entries than the mark, or a prefix whose root is not
 * the mark's. Someone holding the key can still rewrite both; peers keeping
 * our checkpoints (`recordPeerCheckpoint`) are what catches that.
 *
 * The mark only ever advances, and only along the same history: once the log
 * no longer extends the mark it stays where it was, so a replaced log cannot
 * grow past the evidence and overwrite it.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import type { Logger } from '../logger.ts'
import { openCheckpoint, type Checkpoint, type VerifyFn } from './checkpoint.ts'
import { HIGH_WATER_FILE, HIGH_WATER_MIN_INTERVAL_MS, MAX_CHECKPOINT_BYTES } from './constants.ts'
import { consistencyPath, verifyConsistency, type Hash, type SubtreeReader } from './merkle.ts'

/** Where the mark is kept; `read` resolves undefined when there is none yet. */
export interface HighWaterStore {
  read: () => Promise<Uint8Array | undefined>
  write: (bytes: Uint8Array) => Promise<void>
}

/** The mark in a file (0600, replaced atomically). */
export function highWaterFile (path: string): HighWaterStore {
  return {
    read: async () => {
      try {
        const data = await readFile(path)
        // a file larger than any checkpoint is not one: read it as damaged, never trust a prefix
        return data.byteLength > MAX_CHECKPOINT_BYTES ? new Uint8Array(0) : new Uint8Array(data)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    write: async (bytes) => { await writeFileAtomic(path, bytes, { mode: 0o600 }) }
  }
}

/** The mark's file for a home, beside its identity key (`<home>/audit-high-water.cbor`). */
export function highWaterPath (identityKeyPath: string): string {
  return join(dirname(identityKeyPath), HIGH_WATER_FILE)
}

/** What `verify` compares the log with: the mark, a mark that does not verify, or nothing. */
export type HighWater = { checkpoint: Checkpoint } | { invalid: string } | null

export async function readHighWater (store: HighWaterStore | undefined, publicKey: Uint8Array, verify: VerifyFn): Promise<HighWater> {
  if (store == null) return null
  const bytes = await store.read()
  if (bytes == null) return null
  try {
    return { checkpoint: openCheckpoint(bytes, publicKey, verify) }
  } catch {
    return { invalid: 'the high-water mark beside the identity key is damaged or not signed by this node' }
  }
}

/**
 * Keeps the mark moving with the log's checkpoints: one write in flight, the
 * newest waiting, and at most one write per `minIntervalMs`. Each write is an
 * fsync'd file replace; with a checkpoint after every batch, writing each one
 * cost a delegated task more than its own audit entries. A mark that trails
 * the log by up to the interval still catches every rollback past it, and
 * `flush()` (on stop and before verify) writes the newest at once.
 */
export class HighWaterMark {
  private readonly store: HighWaterStore
  private readonly log: Logger
  private readonly minIntervalMs: number
  private mark: Checkpoint | null = null
  /** Why the mark is frozen (the log does not extend it), or null. */
  private frozen: string | null = null
  private next: { checkpoint: Checkpoint, bytes: Uint8Array } | null = null
  private writing: Promise<void> | null = null
  private lastWriteAt = Number.NEGATIVE_INFINITY
  /** Set by `flush()`: write what waits without minding the interval. */
  private urgent = false
  private pause: { wake: () => void } | null = null

  constructor (store: HighWaterStore, log: Logger, minIntervalMs = HIGH_WATER_MIN_INTERVAL_MS) {
    this.store = store
    this.log = log
    this.minIntervalMs = minIntervalMs
  }

  /**
   * Reads the mark and decides whether this log extends it: it must hold at
   * least the mark's entries, and its tree at the mark's size must have the
   * mark's root (checked with a consistency proof from the stored nodes).
   */
  async load (opts: { publicKey: Uint8Array, verify: VerifyFn, size: number, root: Hash, read: SubtreeReader }): Promise<void> {
    this.frozen = null
    const hw = await readHighWater(this.store, opts.publicKey, opts.verify)
    if (hw == null) { this.mark = null; return }
    if ('invalid' in hw) { this.mark = null; this.freeze(hw.invalid); return }
    const mark = this.mark = hw.checkpoint
    if (mark.size > opts.size) { this.freeze(`the log holds ${opts.size} entries but this node once checkpointed ${mark.size}`); return }
    let extends_ = false
    try {
      extends_ = verifyConsistency(mark.size, opts.size, mark.rootHash, opts.root, await consistencyPath(opts.read, mark.size, opts.size))
    } catch {}
    if (!extends_) this.freeze(`the log's first ${mark.size} entries are not the ones this node checkpointed`)
  }

  /** Advances the mark to a committed checkpoint if it is larger and the log still extends the mark. */
  offer (signed: { checkpoint: Checkpoint, bytes: Uint8Array }): void {
    if (this.frozen != null) return
    const highest = this.next?.checkpoint.size ?? this.mark?.size ?? -1
    if (signed.checkpoint.size <= highest) return
    this.next = signed
    this.writing ??= this.drain()
  }

  /** Resolves once the newest offered mark is on disk. */
  async flush (): Promise<void> {
    if (this.writing == null) return
    this.urgent = true
    this.pause?.wake()
    await this.writing
  }

  private async drain (): Promise<void> {
    try {
      while (this.next != null) {
        const wait = this.lastWriteAt + this.minIntervalMs - Date.now()
        if (wait > 0 && !this.urgent) await this.sleep(wait)
        const signed = this.next
        if (signed == null) break
        this.next = null
        try {
          await this.store.write(signed.bytes)
          this.mark = signed.checkpoint
        } catch (err) {
          // the log itself is fine; the next checkpoint tries again
          this.log.error('could not write the audit high-water mark: %e', err)
        }
        this.lastWriteAt = Date.now()
      }
    } finally {
      this.writing = null
      this.urgent = false
    }
  }

  private async sleep (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const wake = (): void => { clearTimeout(timer); this.pause = null; resolve() }
      const timer = setTimeout(wake, ms)
      // a pending mark never holds the process open: stop() flushes it
      timer.unref?.()
      this.pause = { wake }
    })
  }

  private freeze (reason: string): void {
    this.frozen = reason
    this.log.error('audit high-water mark left as it is (verify will fail): %s', reason)
  }
}
