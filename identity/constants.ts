/** Defaults of the identity module; units are in the names. */

/** Tolerated clock difference between peers when checking validity windows. */
export const CLOCK_SKEW_MS = 60_000
/** Lifetime of an admin certificate signed by the org root. */
export const ADMIN_CERT_TTL_MS = 365 * 24 * 60 * 60 * 1000
/** Lifetime of a membership certificate; short, renewed while in good standing. */
export const MEMBERSHIP_CERT_TTL_MS = 24 * 60 * 60 * 1000
/** Lifetime of an invite. */
export const INVITE_TTL_MS = 24 * 60 * 60 * 1000
/** Uses of an invite. */
export const INVITE_USES = 1
export const INVITE_MAX_USES = 10_000
/** Longest invite string accepted, checked before anything else; every valid invite fits. */
export const INVITE_MAX_CHARS = 8192
export const INVITE_MAX_ADDRS = 8
export const INVITE_MAX_ADDR_CHARS = 256
export const MAX_GROUPS = 16
export const GROUP_MAX_CHARS = 64
export const ORG_NAME_MAX_CHARS = 64
/** Entries allowed in each list of a revocation list. */
export const REVOCATION_MAX_ENTRIES = 10_000
/** Largest encoded signed record accepted where the caller gives no limit. */
export const CERT_MAX_BYTES = 4096
export const CHAIN_MAX_BYTES = 8192
export const REVOCATION_LIST_MAX_BYTES = 3 * 1024 * 1024
export const KEY_FILE_MAX_BYTES = 4096
/** scrypt cost for key files: 2^15 × r 8 = 32 MiB, ~0.1 s. */
export const SCRYPT_LOG_N = 15
export const SCRYPT_R = 8
export const SCRYPT_P = 1
/** Public keys whose native KeyObject is kept for verification. */
export const VERIFY_KEY_CACHE_SIZE = 1024
/** An agent certificate lives as long as an admin's; `mycel agent rm` ends the agent sooner. */
export const AGENT_CERT_TTL_MS = 365 * 24 * 60 * 60 * 1000
export const AGENT_NAME_MAX_CHARS = 64
/** Models one catalog approves, and its largest signed size. */
export const MODEL_CATALOG_MAX_ENTRIES = 1024
export const MODEL_CATALOG_MAX_BYTES = 512 * 1024
