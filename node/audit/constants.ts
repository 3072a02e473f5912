/** Defaults of the audit log. */

/** Sign a checkpoint after this many new entries; the last checkpoint of each such stretch is kept, the others are replaced by the next. */
export const CHECKPOINT_EVERY_ENTRIES = 1000
/**
 * Above 0: written entries are under a signed checkpoint within this many
 * milliseconds, the checkpoint riding in the first batch after the interval
 * or signed on its own when it ends. A stream of tasks pays one signature
 * per interval, not one per batch; the unsigned tail that could be cut off
 * unnoticed lasts at most this long. 0 signs only every
 * `CHECKPOINT_EVERY_ENTRIES` and on stop.
 */
export const CHECKPOINT_INTERVAL_MS = 50
/** How long a lazy append (one nothing waits on yet) may wait for the next one, so a quick task's entries share one write. */
export const AUDIT_LINGER_MS = 10
/** The high-water mark is rewritten at most this often (the newest checkpoint waits); stop and verify write it at once. */
export const HIGH_WATER_MIN_INTERVAL_MS = 1000
/** The high-water mark's file name, beside the identity key (outside the data folder). */
export const HIGH_WATER_FILE = 'audit-high-water.cbor'
/** Largest encoded `data` map of one entry. Entries hold digests and ids, never payloads. */
export const MAX_DATA_BYTES = 2048
/** Most keys in one entry's `data` map. */
export const MAX_DATA_KEYS = 32
/** Longest string value in `data`: long enough for ids and reasons, too short for a prompt. */
export const MAX_DATA_STRING_CHARS = 256
/** Longest byte string in `data`: room for a SHA-512 digest, not for content. */
export const MAX_DATA_BYTES_VALUE = 64
/** Longest stored entry (hash and body) accepted when reading back. */
export const MAX_ENTRY_BYTES = 4096
/** Longest encoded checkpoint accepted from a peer. */
export const MAX_CHECKPOINT_BYTES = 1024
/** Most entries `tail()` returns. */
export const MAX_TAIL_ENTRIES = 10_000
/** Domain separation prefix of checkpoint signatures. */
export const CHECKPOINT_SIGNATURE_DOMAIN = 'mycel/audit-checkpoint/1'
/** `prevHash` of the first entry. */
export const GENESIS_HASH_BYTES = 32
/** `append` options for an entry nothing waits on yet (see `AppendOptions.lazy`). */
export const LAZY = Object.freeze({ lazy: true as const })
