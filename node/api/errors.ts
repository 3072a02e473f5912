/** Errors of the node's HTTP server; each carries the status it maps to. */

export class HttpError extends Error {
  static override name = 'HttpError'
  readonly status: number
  readonly code: string
  readonly headers: Record<string, string>
  constructor (status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = HttpError.name
    this.status = status
    this.code = code
    this.headers = headers
  }
}

/** HTTP status for a task that failed with a wire code. */
const WIRE_STATUS: Record<string, number> = {
  malformed: 400, 'too-large': 413, denied: 403, 'not-a-member': 403, 'wrong-org': 403, revoked: 403,
  'not-found': 404, busy: 429, canceled: 499, timeout: 504, unavailable: 503, expired: 400, replay: 409
}

/** Maps a typed error from anywhere in the node to an HTTP status. */
export function statusOf (err: Error): number {
  if (err instanceof HttpError) return err.status
  if (err.name === 'TaskFailedError') return WIRE_STATUS[(err as Error & { code?: string }).code ?? ''] ?? 502
  switch (err.name) {
    case 'InvalidTaskInputError':
    case 'MalformedMessageError':
    case 'UsageError':
    case 'ConfigError':
    case 'InvalidRequestError':
    case 'PromptTooLongError':
    case 'MaxTokensExceededError':
      return 400
    case 'PolicyDeniedError':
    case 'NotAdminError':
      return 403
    case 'UnknownModelError':
    case 'UnknownCollectionError':
    case 'UnknownTaskError':
    case 'NotFoundError':
    case 'NoCandidateError':
      return 404
    case 'MessageTooLargeError':
      return 413
    case 'RuntimeBusyError':
    case 'BusyError':
    case 'RateLimitedError':
      return 429
    case 'NotJoinedError':
      return 409
    default:
      return 500
  }
}
