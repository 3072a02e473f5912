/**
 * `mycel audit verify --peers`: prove this node's log consistent with every
 * checkpoint of it that the members hold. For each witness: the checkpoint
 * it holds must carry this node's signature, cover no more entries than the
 * log now holds, and an RFC 6962 consistency proof from its size to the
 * log's current size (computed from the local tree) must verify against
 * the root the witness holds and the local root (RFC 9162 §2.1.4.2).
 *
 * A data folder restored from an earlier backup, together with the
 * high-water mark beside the key, is a perfectly self-consistent older
 * history: the plain verify passes. A witness then holds a checkpoint of
 * more entries than the log has (`rolled-back`), or, once the log has grown
 * again past it, one whose root the new history does not extend
 * (`inconsistent`): this check fails, naming the witness and the checkpoint.
 */
import { openCheckpoint, verifyConsistency, type Checkpoint, type VerifyFn, type Hash, type SignedCheckpoint, type AuditVerifyResult } from '../audit/index.ts'
import { summarize, type CheckpointSummary } from './store.ts'

export type WitnessVerdictStatus =
  /** The log extends the witness's checkpoint. */
  | 'consistent'
  /** The witness holds no checkpoint of this node yet. */
  | 'none'
  /** It did not answer in time, or the exchange broke. */
  | 'unreachable'
  /** What it sent is not a checkpoint signed by this node: no evidence either way. */
  | 'invalid'
  /** It holds a checkpoint of more entries than the log has now. */
  | 'rolled-back'
  /** The log's first entries are not the ones in the witness's checkpoint. */
  | 'inconsistent'

export interface WitnessVerdict {
  peer: string
  status: WitnessVerdictStatus
  checkpoint?: CheckpointSummary
  /** One line for people. */
  reason: string
}

export interface PeerVerifyResult {
  /** True when the log verifies on its own, at least one witness holds a checkpoint of it, and every such checkpoint is consistent with it. */
  ok: boolean
  /** Entries the local log holds (the size proofs were made to). */
  entries: number
  local: AuditVerifyResult
  witnesses: WitnessVerdict[]
}

export interface VerifyPeersComponents {
  /** This node's own log. */
  log: {
    verify: () => Promise<AuditVerifyResult>
    /** Signs (if anything is new) and returns a checkpoint over everything written. */
    checkpoint: () => Promise<SignedCheckpoint>
    consistencyProof: (oldSize: number, newSize: number) => Promise<Hash[]>
  }
  publicKey: Uint8Array
  verify: VerifyFn
  /** Connected members to ask. */
  members: () => string[]
  /** The signed checkpoint of this node a member holds, or null; throws when it cannot be asked. */
  heldBy: (peer: string) => Promise<Uint8Array | null>
}

const name = (cp: CheckpointSummary): string => `${cp.size} entries (root ${cp.rootHash.slice(0, 16)}…, signed ${cp.time})`

/** What the held checkpoints say of the log; `latest` is the local checkpoint over everything written. */
async function judge (peer: string, held: Checkpoint, latest: Checkpoint, proof: (from: number, to: number) => Promise<Hash[]>): Promise<WitnessVerdict> {
  const checkpoint = summarize(held)
  if (held.size > latest.size) {
    return { peer, status: 'rolled-back', checkpoint, reason: `witness ${peer} holds this node's checkpoint of ${name(checkpoint)}, but the log has only ${latest.size} entries: it was rolled back or restored from an older copy` }
  }
  const ok = verifyConsistency(held.size, latest.size, held.rootHash, latest.rootHash, await proof(held.size, latest.size))
  return ok
    ? { peer, status: 'consistent', checkpoint, reason: `consistent with witness ${peer}'s checkpoint of ${name(checkpoint)}` }
    : { peer, status: 'inconsistent', checkpoint, reason: `witness ${peer} holds this node's checkpoint of ${name(checkpoint)}, which the log does not extend: history was rewritten or restored from an older copy` }
}

export async function verifyAgainstWitnesses (c: VerifyPeersComponents): Promise<PeerVerifyResult> {
  const local = await c.log.verify()
  const peers = c.members()
  const answers = await Promise.all(peers.map(async peer => {
    try { return { peer, bytes: await c.heldBy(peer) } } catch (err) { return { peer, error: (err as Error).message } }
  }))
  // taken after the answers: a witness only holds what was offered before it was asked
  const latest = (await c.log.checkpoint()).checkpoint
  const witnesses: WitnessVerdict[] = []
  for (const a of answers) {
    if ('error' in a) { witnesses.push({ peer: a.peer, status: 'unreachable', reason: `witness ${a.peer} did not answer: ${a.error}` }); continue }
    if (a.bytes == null) { witnesses.push({ peer: a.peer, status: 'none', reason: `witness ${a.peer} holds no checkpoint of this node yet` }); continue }
    let held: Checkpoint
    try {
      held = openCheckpoint(a.bytes, c.publicKey, c.verify)
    } catch {
      witnesses.push({ peer: a.peer, status: 'invalid', reason: `witness ${a.peer} answered with a checkpoint this node did not sign` })
      continue
    }
    witnesses.push(await judge(a.peer, held, latest, async (from, to) => await c.log.consistencyProof(from, to)))
  }
  const failed = witnesses.some(w => w.status === 'rolled-back' || w.status === 'inconsistent')
  const vouched = witnesses.some(w => w.status === 'consistent')
  return { ok: local.ok && !failed && vouched, entries: latest.size, local, witnesses }
}
