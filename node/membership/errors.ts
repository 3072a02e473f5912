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

/** Why a revocation was refused: it would leave the org without an admin, or cut off this node by mistake. */
export type RevokeRefusedCode = 'last-admin' | 'self'

export class RevokeRefusedError extends Error {
  static override name = 'RevokeRefusedError'
  /** The API code; `reason` says which rule refused. */
  readonly code = 'denied'
  readonly reason: RevokeRefusedCode
  constructor (reason: RevokeRefusedCode, message = reason === 'last-admin'
    ? 'Refusing to revoke the last admin of the organisation: nobody could admit or revoke anyone afterwards'
    : 'Refusing to revoke this node itself; pass --force if that is what you mean') {
    super(message)
    this.name = RevokeRefusedError.name
    this.reason = reason
  }
}

/** An address given for an invite is not a dialable multiaddr, or there is none. */
export class InviteAddressError extends Error {
  static override name = 'InviteAddressError'
  readonly code = 'malformed'
  constructor (message = 'An invite needs at least one address the new machine can dial') {
    super(message)
    this.name = InviteAddressError.name
  }
}

export { RemoteError }
