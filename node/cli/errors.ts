/** Errors the CLI turns into exit codes. */

/** Bad command line: unknown command or option, missing or malformed argument. Exit code 2. */
export class UsageError extends Error {
  static override name = 'UsageError'
  constructor (message = 'Invalid usage') {
    super(message)
    this.name = UsageError.name
  }
}

/** A command that needs a running node found none (declared with the API client, which throws it). */
export { NodeNotRunningError } from '../api/errors.ts'
