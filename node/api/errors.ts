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

/** Maps a typed error from anywhere in the node to an HTTP status. */
export function statusOf (err: Error): number {
  if (err instanceof HttpError) return err.status
  switch (err.name) {
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
