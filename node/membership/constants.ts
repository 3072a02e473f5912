/** Membership defaults. */

/** Every member's certificate carries this group; the founder's default policy grants it `llm.*` and `echo`. */
export const MEMBERS_GROUP = 'members'

/** A join exchange carries an invite, a chain, member addresses and the revocation list. */
export const MAX_JOIN_FRAME_BYTES = 2 * 1024 * 1024

/** Largest invite ledger record read back: 10,000 peer ids fit. */
export const MAX_INVITE_RECORD_BYTES = 2 * 1024 * 1024
/** Most invites `mycel invite ls` shows, newest first. */
export const MAX_LISTED_INVITES = 1000

/**
 * A join that could not reach the issuer is tried again this many times in
 * all, `JOIN_RETRY_BASE_MS` apart and then twice that: an issuer restarting,
 * or refusing a burst of new connections from one address, answers a moment later.
 */
export const JOIN_DIAL_ROUNDS = 3
export const JOIN_RETRY_BASE_MS = 1_000
