/** Sizes and labels of Mycel's end-to-end encryption (RFC 9180 suite 0x0020/0x0001/0x0003). */

/** X25519 public and secret key length. */
export const X25519_KEY_BYTES = 32
/** ChaCha20-Poly1305 key length (HPKE `Nk`). */
export const AEAD_KEY_BYTES = 32
/** ChaCha20-Poly1305 nonce length (HPKE `Nn`). */
export const AEAD_NONCE_BYTES = 12
/** Poly1305 tag length appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16
/** SHA-256 output length (HPKE `Nh`). */
export const HASH_BYTES = 32
/** Largest per-direction sequence number; nonces never repeat below it. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER
/** Longest org, task id or peer id bound into a session. */
export const MAX_CONTEXT_FIELD_CHARS = 256
/** Version label bound into every session's `info`, so a v2 can never open v1 traffic. */
export const SESSION_LABEL = 'mycel/e2e/1'
/** Exporter label of the executor→delegator key (the delegator→executor key is HPKE's own). */
export const RESPONSE_EXPORT_LABEL = 'mycel/e2e/1 executor->delegator'
/** Ephemeral X25519 pairs drawn ahead on the thread pool for the next encapsulations (each is used for one). */
export const EPHEMERAL_KEYS_AHEAD = 2
/** Sessions one encapsulation (one ephemeral key) serves to the same recipient. */
export const ENCAPSULATION_MAX_USES = 10_000
/** How long one encapsulation serves new sessions to the same recipient. */
export const ENCAPSULATION_MAX_AGE_MS = 60_000
/** Encapsulations kept each way (recipients a sender keeps one for; `enc`s a receiver remembers). */
export const ENCAPSULATIONS_KEPT = 1024
