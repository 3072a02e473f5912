/** Errors of the task protocol's client side. */
import type { WireErrorCode } from '../../../protocol/codes.ts'

/**
 * How one exchange with an executor ended without a result:
 * - `dial`: no stream could be opened or the call not sent
 * - `busy`: the executor (or our own stream limit) has no room now; see `retryAfterMs`
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
  constructor (code: TaskClientErrorCode, message = `Task exchange failed (${code})`, opts: { remoteCode?: WireErrorCode, retryAfterMs?: number, cause?: unknown } = {}) {
    super(message, opts.cause != null ? { cause: opts.cause } : undefined)
    this.name = TaskClientError.name
    this.code = code
    if (opts.remoteCode != null) this.remoteCode = opts.remoteCode
    if (opts.retryAfterMs != null) this.retryAfterMs = opts.retryAfterMs
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
