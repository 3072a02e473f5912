/** Defaults of the audit log. */

/** Sign a checkpoint after this many new entries. */
export const CHECKPOINT_EVERY_ENTRIES = 1000
/** Sign a checkpoint at least this often while entries keep arriving. */
export const CHECKPOINT_INTERVAL_MS = 60_000
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
