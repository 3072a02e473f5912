/** Defaults of the witness service. */

/** Offer the latest checkpoint to every member this often, in case an offer after a batch was missed. */
export const WITNESS_INTERVAL_MS = 30_000
/**
 * Offer this long after the log's last entry of a batch: every batch carries
 * a signed checkpoint (node/audit CHECKPOINT_INTERVAL_MS), and a second of
 * quiet lets the batches of a busy stretch share one offer.
 */
export const WITNESS_AFTER_BATCH_MS = 1_000
/** Offer to a member this long after it is admitted (its handlers are registered by then). */
export const WITNESS_AFTER_ADMIT_MS = 500
/** The longest one exchange (offer, proof, answer; or get, held) may take. */
export const WITNESS_EXCHANGE_TIMEOUT_MS = 10_000
/** Streams of the witness protocol one connection may carry each way. */
export const WITNESS_STREAMS_PER_CONNECTION = 8
/** Most inconsistency warnings kept in memory for `status` (the evidence itself is in the database). */
export const MAX_WITNESS_WARNINGS = 256
