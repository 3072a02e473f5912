/**
 * The tamper-evident audit log: every delegation, policy decision, task state
 * and result digest, hash-chained and under an RFC 6962 Merkle tree, with
 * checkpoints signed by the node right after every batch and kept by peers,
 * and a high-water mark outside the data folder so a rolled-back or wiped log
 * fails verification. Entries hold ids and digests, never prompts or
 * outputs: pass `digest(bytes)`.
 *
 * @example
 * const highWater = highWaterFile(highWaterPath(paths.identityKey))
 * const audit = auditLog({ checkpointEveryEntries: 1000 })({ db: level.sublevel('audit'), sign, verify, publicKey, highWater })
 * await audit.start()
 * await audit.append({ type: 'policy.decision', actor: me, peer, task, data: { allow: false, rule: 'default-deny' } })
 * await audit.append({ type: 'task.result', actor: me, task, data: { output: digest(outputBytes) } })
 * const { ok, firstBad } = await audit.verify()
 * await audit.stop()                       // signs a final checkpoint
 */
export { AuditLog, auditLog, openAuditLog } from './log.ts'
export type { AppendOptions, AuditLogComponents, AuditLogInit, SignedCheckpoint, PeerCheckpointResult } from './log.ts'
export { AUDIT_ENTRY_TYPES, digest, entryToJson } from './entry.ts'
export type { AuditEntry, AuditEntryInput, AuditEntryType, AuditValue, KnownAuditEntryType } from './entry.ts'
export { openCheckpoint, signCheckpoint, checkpointToJson } from './checkpoint.ts'
export type { Checkpoint, SignFn, VerifyFn } from './checkpoint.ts'
export type { AuditVerifyResult, AuditFailureCode } from './verify.ts'
export { judgeCheckpoint, INCONSISTENT_VERDICTS } from './judge.ts'
export type { CheckpointVerdict } from './judge.ts'
export { highWaterFile, highWaterPath, readHighWater } from './high-water.ts'
export type { HighWater, HighWaterStore } from './high-water.ts'
export type { AuditDb } from './store.ts'
export { leafHash, nodeHash, rootOf, verifyConsistency, verifyInclusion, EMPTY_ROOT } from './merkle.ts'
export type { Hash } from './merkle.ts'
export * from './errors.ts'
export * from './constants.ts'
export { buildTrace, formatTrace, traceTask, type TraceNode } from './trace.ts'
