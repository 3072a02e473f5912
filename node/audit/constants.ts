/** Defaults of the audit log. */

/** Sign a checkpoint after this many new entries; the last checkpoint of each such stretch is kept, the others are replaced by the next. */
export const CHECKPOINT_EVERY_ENTRIES = 1000
/**
 * Above 0: every written batch carries a checkpoint signed over it, so no
 * unsigned tail exists and the signature costs no write of its own (it used
 * to be signed 5 ms after each batch, in a second write). 0 signs only every
 * `CHECKPOINT_EVERY_ENTRIES` and on stop.
 */
export const CHECKPOINT_INTERVAL_MS = 5
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
