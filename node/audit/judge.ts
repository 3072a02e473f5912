/**
 * How a checkpoint a peer shows now relates to the one already held of it:
 * the one comparison both `AuditLog.recordPeerCheckpoint` and the witness
 * service (node/witness) make, so there is one truth about what counts as a
 * rollback or a rewrite. Pure: checkpoints and a proof in, a verdict out.
 *
 * A smaller checkpoint is told apart by its signing time: signed before the
 * one held, it is an old message sent again (`replayed`, harmless); signed
 * after it, the peer has signed a shorter log than it signed before
 * (`rolled-back`, evidence). Consistency proofs follow RFC 9162 §2.1.4.
 */
import type { Checkpoint } from './checkpoint.ts'
import { verifyConsistency, type Hash } from './merkle.ts'

export type CheckpointVerdict =
  /** Nothing held yet: keep it. */
  | 'new'
  /** The checkpoint held, or one of the same log and size. */
  | 'same'
  /** Larger, and the proof shows it extends the one held. */
  | 'extends'
  /** Larger; a consistency proof from the size held is needed to say more. */
  | 'needs-proof'
  | 'replayed'
  | 'rolled-back'
  | 'forked'
  | 'rewritten'

/** The verdicts that prove the peer signed two histories that cannot both be true. */
export const INCONSISTENT_VERDICTS: ReadonlySet<CheckpointVerdict> = new Set(['rolled-back', 'forked', 'rewritten'])

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

export function judgeCheckpoint (held: Checkpoint | null, offered: Checkpoint, proof?: Hash[]): CheckpointVerdict {
  if (held == null) return 'new'
  if (offered.size < held.size) return offered.time <= held.time ? 'replayed' : 'rolled-back'
  if (offered.size === held.size) return same(offered.rootHash, held.rootHash) ? 'same' : 'forked'
  if (proof == null) return 'needs-proof'
  return verifyConsistency(held.size, offered.size, held.rootHash, offered.rootHash, proof) ? 'extends' : 'rewritten'
}
