/**
 * Witnessed audit: members hold each other's signed audit checkpoints over
 * `/mycel/witness/1.0.0` (protocol/witness), check each new one against the
 * one held with an RFC 6962 consistency proof, record a member caught
 * signing two histories, and let a node prove its own log consistent with
 * every checkpoint the members hold of it (`mycel audit verify --peers`).
 *
 * @example
 * const store = new WitnessStore({ db, verify })
 * const witness = witnessService()({ logger, host, self, members, onMember, audit, store })
 * await witness.start()
 * const result = await verifyAgainstWitnesses({ log: audit, publicKey, verify, members, heldBy: (p) => witness.heldBy(p) })
 */
export { WitnessService, witnessService } from './service.ts'
export type { WitnessAudit, WitnessComponents, WitnessInit } from './service.ts'
export { WitnessStore, INCONSISTENCY_KINDS, summarize } from './store.ts'
export type { CheckpointSummary, InconsistencyKind, OfferOutcome, ProveFn, WitnessStoreComponents, WitnessWarning } from './store.ts'
export { verifyAgainstWitnesses } from './verify-peers.ts'
export type { PeerVerifyResult, VerifyPeersComponents, WitnessVerdict, WitnessVerdictStatus } from './verify-peers.ts'
export { heldBy, offerCheckpoint } from './client.ts'
export type { WitnessDial, WitnessTraffic } from './client.ts'
export * from './errors.ts'
export * from './constants.ts'
