/** Errors the CLI turns into exit codes. */

/** Bad command line: unknown command or option, missing or malformed argument. Exit code 2. */
export class UsageError extends Error {
  static override name = 'UsageError'
  constructor (message = 'Invalid usage') {
    super(message)
    this.name = UsageError.name
  }
}

/** The error a run ended with; `code` is the node's API error code (`protocol/codes.ts`). */
export class RunFailedError extends Error {
  static override name = 'RunFailedError'
  readonly code: string
  readonly retryAfterMs?: number
  constructor (code: string, message: string, retryAfterMs?: number) {
    super(message)
    this.name = RunFailedError.name
    this.code = code
    if (retryAfterMs != null) this.retryAfterMs = retryAfterMs
  }
}

/** A command that needs a running node found none (declared with the API client, which throws it). */
export { NodeNotRunningError } from '../api/errors.ts'
