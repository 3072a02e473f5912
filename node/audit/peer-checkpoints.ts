/**
 * The latest checkpoint each peer showed us of its own log, kept so that
 * peer cannot quietly rewrite its history later. Records are checked one at
 * a time (a queue), so two checkpoints from one peer arriving together are
 * judged in order against each other.
 */
import { openCheckpoint, type Checkpoint, type VerifyFn } from './checkpoint.ts'
import { CheckpointRollbackError, InconsistentCheckpointError } from './errors.ts'
import { judgeCheckpoint } from './judge.ts'
import type { Hash } from './merkle.ts'
import type { Sub } from './store.ts'

export interface PeerCheckpointResult {
  checkpoint: Checkpoint
  /** The checkpoint seen before from this peer, if any. */
  previous: Checkpoint | null
  /** True when a consistency proof showed the new checkpoint extends the previous one (or there was nothing to prove). */
  proven: boolean
}

export class PeerCheckpoints {
  private queue: Promise<unknown> = Promise.resolve()
  private readonly store: Sub
  private readonly verify: VerifyFn

  constructor (store: Sub, verify: VerifyFn) {
    this.store = store
    this.verify = verify
  }

  /**
   * Verifies the signature with the peer's ed25519 key; refuses a smaller
   * size (`CheckpointRollbackError`), another root at the same size or a
   * failing consistency proof (`InconsistentCheckpointError`). Growth
   * without a proof is accepted with `proven: false`.
   */
  async record (peerId: string, peerPublicKey: Uint8Array, bytes: Uint8Array, proof?: Hash[]): Promise<PeerCheckpointResult> {
    const run = async (): Promise<PeerCheckpointResult> => {
      const checkpoint = openCheckpoint(bytes, peerPublicKey, this.verify)
      const stored = await this.store.get(peerId)
      const previous = stored == null ? null : openCheckpoint(stored, peerPublicKey, this.verify)
      const verdict = judgeCheckpoint(previous, checkpoint, proof)
      if (verdict === 'replayed' || verdict === 'rolled-back') throw new CheckpointRollbackError(`Peer ${peerId} showed ${checkpoint.size} entries after ${previous?.size ?? 0}`)
      if (verdict === 'forked') throw new InconsistentCheckpointError(`Peer ${peerId} signed two different logs of ${checkpoint.size} entries`)
      if (verdict === 'rewritten') throw new InconsistentCheckpointError(`Peer ${peerId}'s log of ${checkpoint.size} entries does not extend the ${previous?.size ?? 0} seen before`)
      if (verdict === 'same') return { checkpoint: previous as Checkpoint, previous, proven: true }
      const proven = verdict !== 'needs-proof'
      await this.store.put(peerId, bytes)
      return { checkpoint, previous, proven }
    }
    const result = this.queue.then(run, run)
    this.queue = result.catch(() => {})
    return await result
  }

  /** The latest checkpoint recorded for a peer (raw signed bytes), or undefined. */
  async latest (peerId: string): Promise<Uint8Array | undefined> {
    const value = await this.store.get(peerId)
    return value == null ? undefined : new Uint8Array(value)
  }
}
