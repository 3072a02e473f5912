/**
 * The closed list of error codes that cross the wire. A remote never sees
 * our `err.message` or a stack; it sees one of these, and maps it back to a
 * typed error with a fixed message.
 */
export const WIRE_ERROR_CODES = [
  'malformed',
  'too-large',
  'unsupported-version',
  'not-a-member',
  'wrong-org',
  'cert-invalid',
  'cert-expired',
  'revoked',
  'invite-invalid',
  'invite-expired',
  'invite-used',
  'invite-revoked',
  'not-admin',
  'denied',
  'busy',
  'not-found',
  'replay',
  'expired',
  'canceled',
  'timeout',
  'unavailable',
  'internal'
] as const

export type WireErrorCode = typeof WIRE_ERROR_CODES[number]

/** Fixed, human-readable text for each code; safe to show to a user. */
export const WIRE_ERROR_TEXT: Record<WireErrorCode, string> = {
  malformed: 'the peer could not parse our message',
  'too-large': 'the message was too large for the peer',
  'unsupported-version': 'the peer speaks another protocol version',
  'not-a-member': 'not a member of this organisation',
  'wrong-org': 'the peer belongs to another organisation',
  'cert-invalid': 'the membership certificate is invalid',
  'cert-expired': 'the membership certificate has expired',
  revoked: 'membership has been revoked',
  'invite-invalid': 'the invite is not valid for this organisation',
  'invite-expired': 'the invite has expired',
  'invite-used': 'the invite has already been used',
  'invite-revoked': 'the invite has been revoked',
  'not-admin': 'the peer is not an admin of the organisation',
  denied: 'denied by policy',
  busy: 'the peer is busy',
  'not-found': 'not found',
  replay: 'the request was already seen (replay)',
  expired: 'the request has expired',
  canceled: 'canceled',
  timeout: 'timed out',
  unavailable: 'the peer cannot serve this now',
  internal: 'the peer hit an internal error'
}

/** An error reported by a remote peer with a wire code. */
export class RemoteError extends Error {
  static override name = 'RemoteError'
  readonly code: WireErrorCode
  constructor (code: WireErrorCode, message?: string) {
    super(message ?? `Remote refused: ${WIRE_ERROR_TEXT[code]}`)
    this.name = RemoteError.name
    this.code = code
  }
}
