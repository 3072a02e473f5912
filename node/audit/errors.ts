/** Typed errors of the audit log. Callers branch on `err.name`. */

export class InvalidAuditEntryError extends Error {
  static override name = 'InvalidAuditEntryError'
  constructor (message = 'Audit entry is not valid (type, actor, ids or data out of bounds)') {
    super(message)
    this.name = InvalidAuditEntryError.name
  }
}

export class AuditLogClosedError extends Error {
  static override name = 'AuditLogClosedError'
  constructor (message = 'Audit log is not started') {
    super(message)
    this.name = AuditLogClosedError.name
  }
}

export class AuditLogFailedError extends Error {
  static override name = 'AuditLogFailedError'
  constructor (message = 'Audit log write failed; the log refuses appends until restarted') {
    super(message)
    this.name = AuditLogFailedError.name
  }
}

export class InvalidCheckpointError extends Error {
  static override name = 'InvalidCheckpointError'
  constructor (message = 'Checkpoint is malformed or its signature does not verify') {
    super(message)
    this.name = InvalidCheckpointError.name
  }
}

export class CheckpointRollbackError extends Error {
  static override name = 'CheckpointRollbackError'
  constructor (message = 'Checkpoint covers fewer entries than one already seen from this peer') {
    super(message)
    this.name = CheckpointRollbackError.name
  }
}

export class InconsistentCheckpointError extends Error {
  static override name = 'InconsistentCheckpointError'
  constructor (message = 'Checkpoint is not an extension of the one already seen from this peer (history rewritten)') {
    super(message)
    this.name = InconsistentCheckpointError.name
  }
}

export class InvalidProofRequestError extends Error {
  static override name = 'InvalidProofRequestError'
  constructor (message = 'Proof asked for sizes or an index outside the log') {
    super(message)
    this.name = InvalidProofRequestError.name
  }
}
