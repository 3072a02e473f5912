/**
 * Session ids. A session is named on the node that holds it (`NAME`); to
 * others it is `PEER_ID/NAME`, and only the node with that peer id takes it.
 * Both forms are bounded and checked before anything reads the database.
 */
import { randomBytes } from 'node:crypto'
import { MAX_SESSION_ID_CHARS } from './constants.ts'
import { ForeignSessionError, InvalidSessionIdError } from './errors.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
/** A libp2p peer id as text (base58btc multihash or CIDv1 base32). */
const PEER = /^[1-9A-HJ-NP-Za-km-z]{32,64}$|^b[a-z2-7]{32,100}$/

/** The local name of a session id this node (`self`) holds; throws for a bad id or another node's. */
export function sessionName (raw: unknown, self: string): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_SESSION_ID_CHARS) throw new InvalidSessionIdError()
  const slash = raw.indexOf('/')
  if (slash < 0) {
    if (!NAME.test(raw)) throw new InvalidSessionIdError()
    return raw
  }
  const owner = raw.slice(0, slash)
  const name = raw.slice(slash + 1)
  if (!PEER.test(owner) || !NAME.test(name)) throw new InvalidSessionIdError()
  if (owner !== self) throw new ForeignSessionError(owner)
  return name
}

/** The id others know a session by. */
export function qualifiedSessionId (self: string, name: string): string {
  return `${self}/${name}`
}

/** A fresh session name for a chat that did not name one. */
export function newSessionName (): string {
  return `chat-${randomBytes(5).toString('hex')}`
}
