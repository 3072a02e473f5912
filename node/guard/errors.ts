/**
 * Errors of the guard. `OutputRefusedError` crosses the wire as
 * `output-refused`; the delegator learns only that, never which passage.
 */
import type { WireErrorCode } from '../../protocol/codes.ts'

/** A result would have carried verbatim text of a collection its recipient may not read. */
export class OutputRefusedError extends Error {
  static override name = 'OutputRefusedError'
  readonly code = 'output-refused' satisfies WireErrorCode
  constructor (message = 'The result reproduces restricted memory text and was not sent') {
    super(message)
    this.name = OutputRefusedError.name
  }
}

/** The quarantined reader gave back something other than what was asked (not JSON, not the schema's shape). */
export class QuarantineOutputError extends Error {
  static override name = 'QuarantineOutputError'
  readonly code = 'internal' satisfies WireErrorCode
  constructor (message = 'The quarantined reader returned an invalid value') {
    super(message)
    this.name = QuarantineOutputError.name
  }
}

/** A handle the vault does not hold (never issued, or evicted). */
export class UnknownHandleError extends Error {
  static override name = 'UnknownHandleError'
  readonly code = 'not-found' satisfies WireErrorCode
  constructor (message = 'No such quarantined value') {
    super(message)
    this.name = UnknownHandleError.name
  }
}
