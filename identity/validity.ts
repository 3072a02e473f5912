/** Validity windows and the field shapes certificates, invites and revocation lists share. */
import { randomBytes } from 'node:crypto'
import { str } from '../protocol/shape.ts'
import { CLOCK_SKEW_MS, GROUP_MAX_CHARS, ORG_NAME_MAX_CHARS } from './constants.ts'
import { CertExpiredError, CertNotYetValidError } from './errors.ts'

export interface ValidityInit {
  /** Milliseconds since the epoch. @default Date.now() */
  now?: number
  /** Tolerated clock difference, applied at both ends of the window. @default 60_000 */
  skewMs?: number
}

/** `notBefore - skew <= now <= notAfter + skew`, or a typed error naming `what`. */
export function checkValidity (notBefore: number, notAfter: number, init: ValidityInit, what: string): void {
  const now = init.now ?? Date.now()
  const skew = init.skewMs ?? CLOCK_SKEW_MS
  if (now + skew < notBefore) throw new CertNotYetValidError(`${what} is not valid yet (check the clock)`)
  if (now - skew > notAfter) throw new CertExpiredError(`${what} has expired`)
}

/** A random 16-byte serial, hex. */
export function newSerial (): string {
  return randomBytes(16).toString('hex')
}

export const SERIAL = str({ min: 32, max: 32, pattern: /^[0-9a-f]{32}$/ })
export const GROUP = str({ min: 1, max: GROUP_MAX_CHARS, pattern: /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/ })
export const ORG_NAME = str({ min: 1, max: ORG_NAME_MAX_CHARS })
