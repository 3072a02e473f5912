/**
 * Typed errors for everything that decodes bytes from outside.
 *
 * Callers branch on `err.name`, never on message text. Messages name what was
 * wrong in one line and never echo the offending bytes (they may hold secrets).
 */

export class MalformedMessageError extends Error {
  static override name = 'MalformedMessageError'
  constructor (message = 'Malformed message') {
    super(message)
    this.name = MalformedMessageError.name
  }
}

export class MessageTooLargeError extends Error {
  static override name = 'MessageTooLargeError'
  constructor (message = 'Message exceeds the size limit') {
    super(message)
    this.name = MessageTooLargeError.name
  }
}

export class InvalidSignatureError extends Error {
  static override name = 'InvalidSignatureError'
  constructor (message = 'Signature does not verify') {
    super(message)
    this.name = InvalidSignatureError.name
  }
}

export class UnsupportedVersionError extends Error {
  static override name = 'UnsupportedVersionError'
  constructor (message = 'Unsupported message version') {
    super(message)
    this.name = UnsupportedVersionError.name
  }
}
