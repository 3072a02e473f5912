/** A beat goes out this often while the load changes. */
export const LOAD_BEAT_INTERVAL_MS = 1_000
/** An unchanged load is beaten again this rarely (a late joiner learns it; the card covers the rest). */
export const LOAD_BEAT_IDLE_MS = 15_000
/** A beat measured longer ago than this says nothing about now: refused. */
export const LOAD_BEAT_MAX_AGE_MS = 10_000
/** A beat dated further ahead of this node's clock than this is refused (a skewed or lying clock). */
export const LOAD_BEAT_MAX_SKEW_MS = 5_000
/** Pulling a newly connected member's beat gives up after this. */
export const LOAD_PULL_TIMEOUT_MS = 5_000
/** Members whose last beat sequence is kept; past it the stalest go. */
export const LOAD_BEAT_MAX_PEERS = 4096
