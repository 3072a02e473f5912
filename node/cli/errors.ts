/** Errors the CLI turns into exit codes. */

/** Bad command line: unknown command or option, missing or malformed argument. Exit code 2. */
export class UsageError extends Error {
  static override name = 'UsageError'
  constructor (message = 'Invalid usage') {
    super(message)
    this.name = UsageError.name
  }
}

/** A command that needs a running node found none at the home's API address. */
export class NodeNotRunningError extends Error {
  static override name = 'NodeNotRunningError'
  constructor (message = 'No running node found for this home; start one with `mycel start`') {
    super(message)
    this.name = NodeNotRunningError.name
  }
}
