/**
 * Errors of task delegation. Each carries `code`, the wire code from
 * `protocol/codes.ts` a remote sees and the API maps to a status.
 */
import type { WireErrorCode } from '../../protocol/codes.ts'
import { WIRE_ERROR_TEXT } from '../../protocol/codes.ts'

/** A task that ended without a result, locally or on a remote executor. */
export class TaskFailedError extends Error {
  static override name = 'TaskFailedError'
  readonly code: WireErrorCode
  readonly retryAfterMs?: number
  constructor (code: WireErrorCode, message?: string, retryAfterMs?: number) {
    super(message ?? `Task failed: ${WIRE_ERROR_TEXT[code]}`)
    this.name = TaskFailedError.name
    this.code = code
    if (retryAfterMs != null) this.retryAfterMs = retryAfterMs
  }
}

export class PolicyDeniedError extends Error {
  static override name = 'PolicyDeniedError'
  readonly code = 'denied' satisfies WireErrorCode
  readonly rule: string
  constructor (message = 'Denied by policy', rule = 'default-deny') {
    super(message)
    this.name = PolicyDeniedError.name
    this.rule = rule
  }
}

export class NoCandidateError extends Error {
  static override name = 'NoCandidateError'
  readonly code = 'not-found' satisfies WireErrorCode
  constructor (message = 'No member offers this task kind') {
    super(message)
    this.name = NoCandidateError.name
  }
}

export class BusyError extends Error {
  static override name = 'BusyError'
  readonly code = 'busy' satisfies WireErrorCode
  readonly retryAfterMs: number
  constructor (retryAfterMs: number, message = 'Every capable member is busy; try again shortly') {
    super(message)
    this.name = BusyError.name
    this.retryAfterMs = retryAfterMs
  }
}

export class InvalidTaskInputError extends Error {
  static override name = 'InvalidTaskInputError'
  readonly code = 'malformed' satisfies WireErrorCode
  constructor (message = 'Invalid task input') {
    super(message)
    this.name = InvalidTaskInputError.name
  }
}

export class UnknownTaskError extends Error {
  static override name = 'UnknownTaskError'
  readonly code = 'not-found' satisfies WireErrorCode
  constructor (message = 'No such task') {
    super(message)
    this.name = UnknownTaskError.name
  }
}

/** Maps a local error to the wire code the delegator gets. */
export function wireCodeOf (err: unknown): WireErrorCode {
  const e = err as { name?: string, code?: WireErrorCode }
  switch (e?.name) {
    case 'TaskFailedError': case 'ChainRefusedError': return e.code ?? 'internal'
    case 'PolicyDeniedError': return 'denied'
    case 'OutputRefusedError': return 'output-refused'
    case 'RuntimeBusyError': case 'ContextBudgetError': case 'BusyError': case 'RateLimitedError': return 'busy'
    case 'UnknownModelError': case 'UnknownCollectionError': case 'UnknownTaskError': return 'not-found'
    case 'InvalidTaskInputError': case 'MalformedMessageError': case 'InvalidRequestError': return 'malformed'
    case 'MaxTokensExceededError': return 'max-tokens-exceeded'
    case 'PromptTooLongError': return 'prompt-too-long'
    case 'AbortError': case 'TaskCanceledError': return 'canceled'
    case 'TaskTimeoutError': case 'TimeoutError': return 'timeout'
    case 'ModelHashMismatchError': case 'InvalidModelFileError': return 'unavailable'
    case 'PinnedDigestMismatchError': return 'model-digest-mismatch'
    case 'ModelNotApprovedError': return 'model-not-approved'
    // the cloud endpoint failed: its own code (timeout, unavailable); its config did not allow the task
    case 'CloudEndpointError': return e.code ?? 'unavailable'
    case 'CloudConfigError': return 'malformed'
    default: return 'internal'
  }
}

/** The token limit an error crossed, for the failure frame: the runtime's limit, or its context. */
export function limitOf (err: unknown): number | undefined {
  const e = err as { name?: string, limit?: unknown, contextSize?: unknown } | undefined
  const limit = e?.name === 'MaxTokensExceededError' ? e.limit : e?.name === 'PromptTooLongError' || e?.name === 'ContextBudgetError' ? e.contextSize : undefined
  return typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0 ? limit : undefined
}

/** What a failure's code says, with the limit when the executor named one. */
export function failureText (code: WireErrorCode, limit?: number): string {
  return limit != null ? `${WIRE_ERROR_TEXT[code]} (${limit} tokens)` : WIRE_ERROR_TEXT[code]
}
