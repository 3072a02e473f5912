/**
 * What a failed attempt means for the task, by its error's code: busy
 * members are retried after the pause they suggest, broken or lying members
 * are failed over (liars also demoted), and errors that another member would
 * give too end the task. A task pinned to one executor (or run here) has no
 * other member to try.
 */
import type { TaskClientError } from '../wire/errors.ts'
import type { PeerFailure } from './health.ts'
import { BUSY_RETRY_AFTER_MS } from '../constants.ts'

export type Verdict =
  /** The task ends in this state with the attempt's error. */
  | { type: 'end', state: 'canceled' | 'rejected' | 'failed' }
  /** The member is busy for about this long: try the next, then wait. */
  | { type: 'busy', retryAfterMs: number }
  /** Try the next candidate; `demote` counts against this one, `failover` tells the caller output may restart. */
  | { type: 'next', demote?: PeerFailure, failover: boolean }

/** `fixed`: the task is pinned to its executor or runs on this node. */
export function judge (err: TaskClientError, pinned: boolean, fixed: boolean): Verdict {
  switch (err.code) {
    case 'canceled': return { type: 'end', state: 'canceled' }
    case 'busy':
      // refused by context: waiting will not make it fit there, a member with a larger context might
      if (err.contextRefusal) return fixed ? { type: 'end', state: 'failed' } : { type: 'next', failover: false }
      return { type: 'busy', retryAfterMs: err.retryAfterMs ?? BUSY_RETRY_AFTER_MS }
    case 'dial': case 'closed': case 'stalled': return { type: 'next', demote: 'transport', failover: true }
    case 'malformed': return { type: 'next', demote: 'malformed', failover: true }
    case 'remote':
      switch (err.remoteCode) {
        case 'canceled': return { type: 'end', state: 'canceled' }
        case 'denied': return pinned ? { type: 'end', state: 'rejected' } : { type: 'next', failover: false }
        case 'unavailable': case 'timeout': case 'internal': return { type: 'next', failover: true }
        case 'not-found': case 'malformed':
          // from a member chosen by its card, this is a claim that failed (a model or kind it
          // does not serve, an input it cannot read): demote it and try an honest one
          if (fixed) return { type: 'end', state: 'failed' }
          return { type: 'next', demote: 'claim', failover: true }
        case 'max-tokens-exceeded': case 'prompt-too-long':
          // another member may have a larger limit; this one did not lie about anything
          if (fixed) return { type: 'end', state: 'failed' }
          return { type: 'next', failover: true }
        default: return { type: 'end', state: 'failed' }
      }
  }
}
