/** Defaults of the guard: delimiting, quarantine and the output check. */

/** Characters of one untrusted text put into a prompt; the rest is cut with a note. */
export const UNTRUSTED_MAX_CHARS = 16_000

/** Characters of the `source` label of a wrapped text. */
export const SOURCE_MAX_CHARS = 128

/**
 * Words per shingle of the output check. Eight normalised words in a row are
 * rare outside a copied passage (common phrases are shorter) yet a passage a
 * model reproduces is caught after the eighth word.
 */
export const SHINGLE_WORDS = 8

/**
 * Fingerprints the index holds at most, over all restricted collections:
 * each is one 53-bit number in a `Set` (about 40 bytes in V8, so ~40 MiB at
 * the bound). A collection that would pass it is fingerprinted in part and
 * logged: the check then still catches passages from the part it holds.
 */
export const MAX_FINGERPRINTS = 1_000_000

/** Characters of a result's text the output check reads (a larger result is checked up to here, then refused as too large to check). */
export const OUTPUT_CHECK_MAX_CHARS = 4_000_000

/** The kind whose read permission says whether a peer may see a confidential collection's text. */
export const READ_PERMISSION_KIND = 'memory.search'

/** What the quarantined reader may write, in characters, by default. */
export const QUARANTINE_MAX_CHARS = 1_000

/** Raw text the reader is given at most. */
export const QUARANTINE_INPUT_MAX_CHARS = 32_000

/** Quarantined values one vault keeps; the oldest go first. */
export const QUARANTINE_MAX_HANDLES = 256
