/** Errors of the membership gate, join and renewal. */
import { RemoteError, type WireErrorCode } from '../../protocol/codes.ts'

export class NotAMemberError extends Error {
  static override name = 'NotAMemberError'
  constructor (message = 'Peer has not proved membership of this organisation') {
    super(message)
    this.name = NotAMemberError.name
  }
}

export class JoinFailedError extends Error {
  static override name = 'JoinFailedError'
  readonly code?: WireErrorCode
  constructor (message = 'Could not join the organisation', code?: WireErrorCode) {
    super(message)
    this.name = JoinFailedError.name
    if (code != null) this.code = code
  }
}

export class NotAdminError extends Error {
  static override name = 'NotAdminError'
  readonly code = 'not-admin'
  constructor (message = 'This node does not hold an admin key of the organisation') {
    super(message)
    this.name = NotAdminError.name
  }
}

export { RemoteError }
