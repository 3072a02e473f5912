/**
 * Typed errors of end-to-end encryption. Callers branch on `err.name`.
 * Messages never say why an open failed beyond "does not open": a
 * distinguishing message would be an oracle for whoever tampered.
 */

export class DecryptionFailedError extends Error {
  static override name = 'DecryptionFailedError'
  constructor (message = 'Ciphertext does not open: wrong key, task, peer, org or sequence number, or tampered') {
    super(message)
    this.name = DecryptionFailedError.name
  }
}

export class InvalidKeyError extends Error {
  static override name = 'InvalidKeyError'
  constructor (message = 'Not a valid X25519 key') {
    super(message)
    this.name = InvalidKeyError.name
  }
}

export class InvalidSequenceError extends Error {
  static override name = 'InvalidSequenceError'
  constructor (message = 'Sequence number must be an integer from 0 to 2^53-1') {
    super(message)
    this.name = InvalidSequenceError.name
  }
}

export class InvalidSessionContextError extends Error {
  static override name = 'InvalidSessionContextError'
  constructor (message = 'Session context needs a non-empty org, task id, delegator and executor') {
    super(message)
    this.name = InvalidSessionContextError.name
  }
}
