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
/** A progress state frame waits this long for a frame that says more (output, the result) before it goes out alone. */
export const TASK_STATE_FRAME_HOLD_MS = 100
/** Candidates the router tries for one task before giving up. */
export const MAX_FAILOVER_ATTEMPTS = 4
/** Rounds of waiting when every candidate is busy. */
export const MAX_BUSY_ROUNDS = 3
/**
 * The longest the router waits for a busy member before it gives up and
 * hands the member's retry-after to the caller (an HTTP client gets 429 with
 * `Retry-After`): a rate limit of a few tasks an hour must not hold a request open.
 */
export const MAX_BUSY_WAIT_MS = 5_000
/** Recent tasks kept for `mycel tasks`. */
export const RECENT_TASKS = 200
/** Longest failure reason a task summary keeps, in characters. */
export const MAX_REASON_CHARS = 500

/** Attach and cancel streams a delegator may hold to one executor beside its task streams. */
export const TASK_CONTROL_STREAMS = 16
/**
 * Task streams one connection carries each way: the executor's admission
 * bound (running + queued) plus control streams. A delegator past it gets
 * `busy` from its own dialer instead of a stream the executor would refuse.
 */
export const TASK_STREAMS_PER_CONNECTION = EXECUTOR_MAX_RUNNING + EXECUTOR_MAX_QUEUED + TASK_CONTROL_STREAMS
/** Output frames of finished tasks kept for re-attach, all tasks together; the oldest finished go first. */
export const TASK_RETAINED_MAX_BYTES = 64 * 1024 * 1024
/** How often finished tasks past their retention are swept. */
export const TASK_SWEEP_INTERVAL_MS = 60_000

/** A stream must carry its first frame this soon. */
export const TASK_FIRST_FRAME_TIMEOUT_MS = 10_000
/**
 * A delegator keeps a finished task's stream this long for its next task to
 * the same member: opening a stream (muxer frames, protocol negotiation,
 * window update, two closes) cost two nodes about as much CPU as the rest of
 * a small task's trip.
 */
export const TASK_STREAM_IDLE_MS = 10_000
/** Idle task streams a delegator keeps per member; more finished at once are closed. */
export const TASK_IDLE_STREAMS_PER_MEMBER = 8
/** The executor waits this long for the next call on a stream: well past the delegator's idle time, so the delegator is the side that closes. */
export const TASK_STREAM_SERVER_IDLE_MS = 60_000
/** Opening a task stream to a member gives up after this. */
export const TASK_DIAL_TIMEOUT_MS = 10_000
/** A cancel to an executor gives up after this. */
export const TASK_CANCEL_TIMEOUT_MS = 5_000

/** What one malformed answer or failed card claim adds to a member's score (in load units: 1 = all slots busy). */
export const PEER_FAILURE_PENALTY = 1
/** A member's penalty halves this often, so a member that recovers is trusted again. */
export const PEER_PENALTY_HALF_LIFE_MS = 5 * 60_000

/** Refusals of one peer audited one by one per interval; past this they are only counted, and further submits are turned away unread. */
export const REFUSALS_PER_PEER_MAX = 20
/** The interval of refusal counting; each peer's surplus is audited as one count per interval. */
export const REFUSAL_INTERVAL_MS = 10_000

/** Dials a re-attach tries before the task fails over (a dropped connection can linger a moment). */
export const REATTACH_DIALS = 4
/** Pause before the next re-attach dial, times the dials so far. */
export const REATTACH_DIAL_PAUSE_MS = 250
/** libp2p's per-protocol stream limits are this many times ours: they are a backstop, ours is exact. */
export const LIBP2P_STREAM_HEADROOM = 2
/** The executor a task run by the cloud fallback lists (it is no member). */
export const CLOUD_EXECUTOR = 'cloud'

/** Kinds under this prefix read memory collections: a named collection routes them to its holders. */
export const MEMORY_KIND_PREFIX = 'memory.'
/** Last chain links an executor remembers, to refuse one used twice (each lives at most an hour; the oldest go first past this). */
export const CHAIN_SEEN_MAX = 10_000
/** The agent loop's task kind (node/agents): every one carries a delegation chain. */
export const AGENT_RUN_KIND = 'agent.run'

/** Members whose fresh load and rates the router keeps; past it the stalest go. */
export const LOAD_BOOK_MAX_PEERS = 4096
/** A measured rate moves this far toward each new measure (exponential average). */
export const RATE_EWMA_WEIGHT = 0.3
/** Tasks shorter than this say little about a model's speed (setup dominates): not measured. */
export const RATE_MIN_TASK_MS = 20
