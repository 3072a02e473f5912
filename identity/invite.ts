/**
 * Invites: one copy-pasteable string that lets a machine join the org once.
 *
 * `mycel1…` is bech32m (BIP 350) with a raised length limit. Its BCH checksum
 * catches every single-character substitution at any length, so a mistyped
 * invite is reported as a typo (`InviteTypoError`) before any cryptography
 * runs. Inside is the CBOR array `[adminCert, body, signature]`: the issuing
 * admin's certificate from the org root, the invite body, and the admin's
 * signature over both, so a string altered with a recomputed checksum fails
 * as `InviteTamperedError`. The body carries the bootstrap addresses, invite
 * id, an ephemeral signing seed (the joiner proves possession by signing the
 * admin's challenge), groups, uses, expiry and the mesh's pre-shared key.
 * Whoever holds the string holds all of that: it is a bearer secret.
 */
import { bech32m } from '@scure/base'
import { randomBytes } from 'node:crypto'
import { decodeCbor, encodeCbor } from '../protocol/cbor.ts'
import { MalformedMessageError, UnsupportedVersionError } from '../protocol/errors.ts'
import { arrayOf, bytes, isPlainObject, literal, object, parse, str, uint, type Infer } from '../protocol/shape.ts'
import { bytesEqual, fromHex, lengthPrefixed, toHex } from './bytes.ts'
import { openAdminCert, verifyAdminCert } from './admin-cert.ts'
import {
  CERT_MAX_BYTES, INVITE_MAX_ADDR_CHARS, INVITE_MAX_ADDRS, INVITE_MAX_CHARS, INVITE_MAX_USES, INVITE_TTL_MS, INVITE_USES, MAX_GROUPS
} from './constants.ts'
import { InviteExpiredError, InviteTamperedError, InviteTypoError, InviteWithoutAddressError, MalformedInviteError, UntrustedIssuerError, WrongOrgError } from './errors.ts'
import { keyPairFromSeed, sign, verify, type Ed25519KeyPair } from './keys.ts'
import { PSK_BYTES } from './psk.ts'
import { recordSigningBytes } from './signed-record.ts'
import { GROUP, type ValidityInit } from './validity.ts'

export const INVITE_PREFIX = 'mycel'
export const INVITE_DOMAIN = 'mycel-invite'
export const INVITE_TYPE = 'mycel/invite/1'
export const INVITE_PROOF_DOMAIN = 'mycel-invite-proof'

const BodyShape = object({
  v: literal(1),
  /** bootstrap multiaddrs */
  a: arrayOf(str({ min: 1, max: INVITE_MAX_ADDR_CHARS }), { max: INVITE_MAX_ADDRS }),
  /** invite id */
  i: bytes({ length: 16 }),
  /** ephemeral signing seed */
  e: bytes({ length: 32 }),
  /** groups granted */
  g: arrayOf(GROUP, { max: MAX_GROUPS }),
  /** uses */
  u: uint({ min: 1, max: INVITE_MAX_USES }),
  /** expires at, ms since the epoch */
  x: uint(),
  /** pre-shared key */
  k: bytes({ length: PSK_BYTES })
})
type Body = Infer<typeof BodyShape>

/** A decoded, signature-checked invite. */
export interface Invite {
  /** The org root public key. */
  org: Uint8Array
  orgName: string
  /** The admin key that issued it. */
  issuer: Uint8Array
  /** The issuer's certificate from the org root (signed record bytes). */
  adminCert: Uint8Array
  adminSerial: string
  addrs: string[]
  /** 16 bytes, hex. */
  inviteId: string
  /** Secret: signs the proof of possession. */
  ephemeralSeed: Uint8Array
  ephemeralPublicKey: Uint8Array
  groups: string[]
  uses: number
  expiresAt: number
  /** The mesh's 32-byte pre-shared key. */
  psk: Uint8Array
}

export interface CreateInviteInit {
  admin: Ed25519KeyPair
  /** The admin's certificate from the org root. */
  adminCert: Uint8Array
  /** Bootstrap multiaddrs of the issuing node (1 to 8): an invite without one cannot be redeemed. */
  addrs: string[]
  /** @default [] */
  groups?: string[]
  /** @default 1 */
  uses?: number
  /** @default 24 hours */
  ttlMs?: number
  /** The mesh's 32-byte pre-shared key. */
  psk: Uint8Array
  /** @default Date.now() */
  now?: number
}

export interface CreatedInvite {
  invite: string
  inviteId: string
  expiresAt: number
  uses: number
  groups: string[]
  /** What the issuing node keeps to check the joiner's proof. */
  ephemeralPublicKey: Uint8Array
}

export function createInvite (init: CreateInviteInit): CreatedInvite {
  const cert = openAdminCert(init.adminCert)
  if (!bytesEqual(cert.admin, init.admin.publicKey)) throw new UntrustedIssuerError('This admin certificate is for a different key')
  // the decoder still reads address-less invites (to inspect old ones), but none is made: nobody could redeem it
  if (Array.isArray(init.addrs) && init.addrs.length === 0) throw new InviteWithoutAddressError()
  const seed = new Uint8Array(randomBytes(32))
  const body: Body = parse(BodyShape, {
    v: 1,
    a: init.addrs,
    i: new Uint8Array(randomBytes(16)),
    e: seed,
    g: [...new Set(init.groups ?? [])],
    u: init.uses ?? INVITE_USES,
    x: (init.now ?? Date.now()) + (init.ttlMs ?? INVITE_TTL_MS),
    k: init.psk
  }, 'invite')
  const bodyBytes = encodeCbor(body)
  const signature = sign(init.admin.secretKey, inviteSigningBytes(init.adminCert, bodyBytes))
  const data = encodeCbor([init.adminCert, bodyBytes, signature])
  const invite = bech32m.encode(INVITE_PREFIX, bech32m.toWords(data), INVITE_MAX_CHARS)
  return {
    invite,
    inviteId: toHex(body.i),
    expiresAt: body.x,
    uses: body.u,
    groups: body.g,
    ephemeralPublicKey: keyPairFromSeed(seed).publicKey
  }
}

export interface DecodeInviteInit {
  /** When given, an invite to any other org is refused with `WrongOrgError`. */
  orgRoot?: Uint8Array
}

/**
 * Decodes an invite and checks that an admin of the org it names issued it
 * unaltered. Time is not checked here (see `checkInviteUsable`), so an expired
 * invite can still be inspected.
 */
export function decodeInvite (text: string, init: DecodeInviteInit = {}): Invite {
  if (typeof text !== 'string') throw new MalformedInviteError()
  if (text.length > INVITE_MAX_CHARS) throw new MalformedInviteError('Invite is too long to be a Mycel invite')
  const data = inviteBytes(text.replace(/\s+/g, ''))
  let parts: [Uint8Array, Uint8Array, Uint8Array]
  try {
    const value = decodeCbor(data, { maxBytes: INVITE_MAX_CHARS })
    if (!Array.isArray(value) || value.length !== 3) throw new MalformedMessageError()
    parts = [bytes({ max: CERT_MAX_BYTES })(value[0], ''), bytes({ max: INVITE_MAX_CHARS })(value[1], ''), bytes({ length: 64 })(value[2], '')]
  } catch {
    throw new MalformedInviteError('Invite is damaged: its contents are not a Mycel invite')
  }
  const [adminCertBytes, bodyBytes, signature] = parts
  const cert = guard(() => openAdminCert(adminCertBytes))
  if (init.orgRoot != null && !bytesEqual(cert.org, init.orgRoot)) throw new WrongOrgError('Invite is for a different organisation')
  if (!verify(cert.admin, inviteSigningBytes(adminCertBytes, bodyBytes), signature)) throw new InviteTamperedError()
  const body = guard(() => {
    const value = decodeCbor(bodyBytes, { maxBytes: INVITE_MAX_CHARS })
    if (isPlainObject(value) && value.v !== 1 && typeof value.v === 'number') {
      throw new UnsupportedVersionError(`Invite version ${value.v} is not supported; upgrade Mycel`)
    }
    return parse(BodyShape, value, 'invite')
  })
  return {
    org: cert.org,
    orgName: cert.orgName,
    issuer: cert.admin,
    adminCert: adminCertBytes,
    adminSerial: cert.serial,
    addrs: body.a,
    inviteId: toHex(body.i),
    ephemeralSeed: body.e,
    ephemeralPublicKey: keyPairFromSeed(body.e).publicKey,
    groups: body.g,
    uses: body.u,
    expiresAt: body.x,
    psk: body.k
  }
}

/**
 * Throws `InviteExpiredError` past the invite's expiry, or the certificate
 * error if the issuing admin's certificate is outside its validity window.
 */
export function checkInviteUsable (invite: Invite, now: number = Date.now(), init: Omit<ValidityInit, 'now'> = {}): void {
  if (now > invite.expiresAt) throw new InviteExpiredError()
  verifyAdminCert(invite.adminCert, { ...init, orgRoot: invite.org, now })
}

export interface InviteProofInput {
  inviteId: string
  /** The joining node's peer id, so the proof cannot be used for another peer. */
  joinerPeerId: string
  /** The issuing node's fresh challenge. */
  nonce: Uint8Array
}

/** The joiner's proof that it holds the invite: a signature with the ephemeral seed. */
export function signInviteProof (invite: Invite, input: Omit<InviteProofInput, 'inviteId'>): Uint8Array {
  return sign(invite.ephemeralSeed, proofBytes({ ...input, inviteId: invite.inviteId }))
}

export function verifyInviteProof (ephemeralPublicKey: Uint8Array, input: InviteProofInput, signature: Uint8Array): boolean {
  if (typeof input.inviteId !== 'string' || !/^[0-9a-f]{32}$/.test(input.inviteId)) return false
  if (typeof input.joinerPeerId !== 'string' || !(input.nonce instanceof Uint8Array)) return false
  return verify(ephemeralPublicKey, proofBytes(input), signature)
}

function proofBytes (input: InviteProofInput): Uint8Array {
  return lengthPrefixed(INVITE_PROOF_DOMAIN, fromHex(input.inviteId), input.joinerPeerId, input.nonce)
}

function inviteSigningBytes (adminCert: Uint8Array, body: Uint8Array): Uint8Array {
  return recordSigningBytes(INVITE_DOMAIN, INVITE_TYPE, lengthPrefixed(adminCert, body))
}

/** bech32m → bytes; a string that starts like an invite but fails the checksum is a typo. */
function inviteBytes (text: string): Uint8Array {
  const looksLikeInvite = nearPrefix(text)
  let decoded
  try {
    decoded = bech32m.decode(text as `${string}1${string}`, INVITE_MAX_CHARS)
  } catch {
    if (looksLikeInvite) throw new InviteTypoError()
    throw new MalformedInviteError(`Not a Mycel invite (it should start with ${INVITE_PREFIX}1)`)
  }
  if (decoded.prefix !== INVITE_PREFIX) {
    if (looksLikeInvite) throw new InviteTypoError()
    throw new MalformedInviteError(`Not a Mycel invite (it should start with ${INVITE_PREFIX}1)`)
  }
  try {
    return bech32m.fromWords(decoded.words)
  } catch {
    throw new MalformedInviteError('Invite is damaged: its contents are not a Mycel invite')
  }
}

/** Whether the text starts with `mycel1` give or take one character. */
function nearPrefix (text: string): boolean {
  const want = `${INVITE_PREFIX}1`
  if (text.length < want.length) return false
  let diff = 0
  for (let i = 0; i < want.length; i++) if (text[i]?.toLowerCase() !== want[i]) diff++
  return diff <= 1
}

/** Signature failures inside an invite mean it was altered; shape failures mean it is damaged. */
function guard<T> (fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    const name = (err as Error).name
    if (name === 'InvalidSignatureError' || name === 'UntrustedIssuerError') throw new InviteTamperedError()
    if (name === 'UnsupportedVersionError') throw err
    throw new MalformedInviteError('Invite is damaged: its contents are not a Mycel invite')
  }
}
