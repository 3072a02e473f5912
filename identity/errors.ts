/**
 * Typed errors of the identity module.
 *
 * Callers branch on `err.name`, never on message text. Messages are one line a
 * user can act on and never contain key material, passphrases or invite text.
 */

export class InvalidKeyError extends Error {
  static override name = 'InvalidKeyError'
  constructor (message = 'Invalid key: expected 32 bytes') {
    super(message)
    this.name = InvalidKeyError.name
  }
}

export class InvalidPeerIdError extends Error {
  static override name = 'InvalidPeerIdError'
  constructor (message = 'Not a valid Ed25519 peer id') {
    super(message)
    this.name = InvalidPeerIdError.name
  }
}

export class KeyExistsError extends Error {
  static override name = 'KeyExistsError'
  constructor (message = 'A key file already exists here; refusing to overwrite it') {
    super(message)
    this.name = KeyExistsError.name
  }
}

export class KeyNotFoundError extends Error {
  static override name = 'KeyNotFoundError'
  constructor (message = 'No key file found') {
    super(message)
    this.name = KeyNotFoundError.name
  }
}

export class KeyFileCorruptError extends Error {
  static override name = 'KeyFileCorruptError'
  constructor (message = 'Key file is damaged or not a Mycel key file') {
    super(message)
    this.name = KeyFileCorruptError.name
  }
}

export class WrongPassphraseError extends Error {
  static override name = 'WrongPassphraseError'
  constructor (message = 'Wrong passphrase for identity key') {
    super(message)
    this.name = WrongPassphraseError.name
  }
}

export class PassphraseRequiredError extends Error {
  static override name = 'PassphraseRequiredError'
  constructor (message = 'Identity key is encrypted; set MYCEL_PASSPHRASE to unlock it') {
    super(message)
    this.name = PassphraseRequiredError.name
  }
}

export class CertExpiredError extends Error {
  static override name = 'CertExpiredError'
  constructor (message = 'Certificate has expired') {
    super(message)
    this.name = CertExpiredError.name
  }
}

export class CertNotYetValidError extends Error {
  static override name = 'CertNotYetValidError'
  constructor (message = 'Certificate is not valid yet (check the clock)') {
    super(message)
    this.name = CertNotYetValidError.name
  }
}

export class WrongOrgError extends Error {
  static override name = 'WrongOrgError'
  constructor (message = 'Certificate belongs to a different organisation') {
    super(message)
    this.name = WrongOrgError.name
  }
}

export class UntrustedIssuerError extends Error {
  static override name = 'UntrustedIssuerError'
  constructor (message = 'Certificate was not issued by a trusted key of this organisation') {
    super(message)
    this.name = UntrustedIssuerError.name
  }
}

export class CertRevokedError extends Error {
  static override name = 'CertRevokedError'
  constructor (message = 'Certificate has been revoked') {
    super(message)
    this.name = CertRevokedError.name
  }
}

export class InviteTypoError extends Error {
  static override name = 'InviteTypoError'
  constructor (message = 'Invite has a typo (checksum mismatch); check that it was copied completely') {
    super(message)
    this.name = InviteTypoError.name
  }
}

export class MalformedInviteError extends Error {
  static override name = 'MalformedInviteError'
  constructor (message = 'Not a Mycel invite') {
    super(message)
    this.name = MalformedInviteError.name
  }
}

export class InviteTamperedError extends Error {
  static override name = 'InviteTamperedError'
  constructor (message = 'Invite was altered after it was issued (signature check failed)') {
    super(message)
    this.name = InviteTamperedError.name
  }
}

export class InviteExpiredError extends Error {
  static override name = 'InviteExpiredError'
  constructor (message = 'Invite has expired; ask an admin for a new one') {
    super(message)
    this.name = InviteExpiredError.name
  }
}

export class InviteWithoutAddressError extends Error {
  static override name = 'InviteWithoutAddressError'
  readonly code = 'malformed'
  constructor (message = 'An invite needs at least one address the new machine can dial') {
    super(message)
    this.name = InviteWithoutAddressError.name
  }
}
