/** A beat goes out this often while the load changes. */
export const LOAD_BEAT_INTERVAL_MS = 1_000
/**
 * An unchanged load is beaten again this rarely: only a repair for a beat
 * that gossip lost, since a change goes out within `LOAD_BEAT_INTERVAL_MS`,
 * a newly admitted member pulls the latest beat and the card carries the
 * load too. Every beat is flooded to every member (and forwarded by each
 * one's mesh peers), so at 15 s idle beats were most of a resting mesh's
 * gossip (the scale bench, docs/benchmarks.md).
 */
export const LOAD_BEAT_IDLE_MS = 60_000
/** A beat measured longer ago than this says nothing about now: refused. */
export const LOAD_BEAT_MAX_AGE_MS = 10_000
/** A beat dated further ahead of this node's clock than this is refused (a skewed or lying clock). */
export const LOAD_BEAT_MAX_SKEW_MS = 5_000
/** Pulling a newly connected member's beat gives up after this. */
export const LOAD_PULL_TIMEOUT_MS = 5_000
/** Members whose last beat sequence is kept; past it the stalest go. */
export const LOAD_BEAT_MAX_PEERS = 4096
