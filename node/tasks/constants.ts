/** Task delegation defaults. Units are in the names. */

/** A delegated request is valid this long after it is issued. */
export const REQUEST_TTL_MS = 60_000
/** Requests claiming a longer life are refused. */
export const MAX_REQUEST_LIFETIME_MS = 10 * 60_000
/** Tolerated clock difference between delegator and executor. */
export const REQUEST_CLOCK_SKEW_MS = 60_000

/** Tasks an executor runs at once (beyond this they queue). */
export const EXECUTOR_MAX_RUNNING = 8
/** Tasks an executor queues before it answers `busy`. */
export const EXECUTOR_MAX_QUEUED = 64
/** What a busy executor suggests as retry-after. */
export const BUSY_RETRY_AFTER_MS = 1_000
/** Finished tasks stay re-attachable this long. */
export const TASK_RETENTION_MS = 10 * 60_000

/** A remote task that sends nothing for this long is treated as dead and failed over. */
export const TASK_STALL_TIMEOUT_MS = 30_000
/** Candidates the router tries for one task before giving up. */
export const MAX_FAILOVER_ATTEMPTS = 4
/** Rounds of waiting when every candidate is busy. */
export const MAX_BUSY_ROUNDS = 3
/** Recent tasks kept for `mycel tasks`. */
export const RECENT_TASKS = 200
