/** Errors of the JSON Schema checks; callers branch on `.name`. */

/** A schema refused before Ajv or a grammar sees it: too big, too deep, a remote or looping `$ref`, or one that does not compile. */
export class InvalidSchemaError extends Error {
  static override name = 'InvalidSchemaError'
  /** What is wrong with it, one line, e.g. `schema nests deeper than 32`. */
  readonly reason: string
  constructor (reason: string) {
    super(`Invalid JSON schema: ${reason}`)
    this.name = InvalidSchemaError.name
    this.reason = reason
  }
}
