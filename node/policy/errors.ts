/** Typed errors of the policy engine. Callers branch on `err.name`. */

export class InvalidPolicyError extends Error {
  static override name = 'InvalidPolicyError'
  /** File name as shown in the message, e.g. `policy.json`. */
  readonly file: string
  /** 1-based line of the offending value, or 0 when the file as a whole is at fault. */
  readonly line: number
  /** The problem without the location, e.g. `unknown task kind pattern "llm*x"`. */
  readonly detail: string

  constructor (detail = 'invalid policy', file = 'policy', line = 0) {
    super(line > 0 ? `${file} line ${line}: ${detail}` : `${file}: ${detail}`)
    this.name = InvalidPolicyError.name
    this.file = file
    this.line = line
    this.detail = detail
  }
}

export class PolicyFileNotFoundError extends Error {
  static override name = 'PolicyFileNotFoundError'
  constructor (message = 'Policy file not found') {
    super(message)
    this.name = PolicyFileNotFoundError.name
  }
}
