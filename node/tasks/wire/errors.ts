/** Errors of the task protocol's client side. */
import type { WireErrorCode } from '../../../protocol/codes.ts'

/**
 * How one exchange with an executor ended without a result:
 * - `dial`: no stream could be opened or the call not sent
 * - `busy`: the executor (or our own stream limit) has no room now; see `retryAfterMs`.
 *   With `limit`, the room is context: the task needs more than one of the
 *   executor's sequences holds (`limit` tokens), so waiting will not help there
 * - `stalled`: nothing arrived for the stall timeout
 * - `closed`: the stream or connection broke (the task may still run: re-attach)
 * - `malformed`: the executor sent something that is not a valid answer
 * - `remote`: the executor answered with an error code (`remoteCode`)
 * - `canceled`: our caller gave up
 */
export type TaskClientErrorCode = 'dial' | 'busy' | 'stalled' | 'closed' | 'malformed' | 'remote' | 'canceled'

export class TaskClientError extends Error {
  static override name = 'TaskClientError'
  readonly code: TaskClientErrorCode
  readonly remoteCode?: WireErrorCode
  readonly retryAfterMs?: number
  /** The token limit the executor named (its context for a `busy` refusal by context). */
  readonly limit?: number
  constructor (code: TaskClientErrorCode, message = `Task exchange failed (${code})`, opts: { remoteCode?: WireErrorCode, retryAfterMs?: number, limit?: number, cause?: unknown } = {}) {
    super(message, opts.cause != null ? { cause: opts.cause } : undefined)
    this.name = TaskClientError.name
    this.code = code
    if (opts.remoteCode != null) this.remoteCode = opts.remoteCode
    if (opts.retryAfterMs != null) this.retryAfterMs = opts.retryAfterMs
    if (opts.limit != null) this.limit = opts.limit
  }

  /** A `busy` that waiting will not cure: the task's context does not fit the executor's sequences. */
  get contextRefusal (): boolean {
    return this.code === 'busy' && this.limit != null
  }

  /** The wire code a caller of the router sees for this failure. */
  get wireCode (): WireErrorCode {
    switch (this.code) {
      case 'remote': return this.remoteCode ?? 'internal'
      case 'busy': return 'busy'
      case 'canceled': return 'canceled'
      case 'malformed': return 'internal'
      case 'dial': case 'stalled': case 'closed': return 'unavailable'
    }
  }
}
