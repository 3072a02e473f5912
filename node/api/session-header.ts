/**
 * `X-Mycel-Session` (or `metadata.session` in the body): the session an
 * API door's chat continues. With one, the client sends only the new
 * message(s); the node prepends the session's history and memory
 * (`sessions/`). The id itself is checked by the session service.
 *
 * @example
 * curl -H 'X-Mycel-Session: notes' -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7878/v1/chat/completions ...
 */
import type { IncomingMessage } from 'node:http'
import { isPlainObject } from '../../protocol/shape.ts'
import { MAX_SESSION_ID_CHARS } from '../sessions/constants.ts'
import { HttpError } from './errors.ts'

export const SESSION_HEADER = 'x-mycel-session'

/** The session a request names, the header winning over `metadata.session`; undefined for none. */
export function requestSession (req: Pick<IncomingMessage, 'headers'>, body: unknown): string | undefined {
  const raw = req.headers[SESSION_HEADER]
  const fromBody = isPlainObject(body) && isPlainObject(body.metadata) ? body.metadata.session : undefined
  const value = raw != null ? (Array.isArray(raw) ? raw.join(',') : raw).trim() : fromBody
  if (value == null) return undefined
  if (typeof value !== 'string' || value === '' || value.length > MAX_SESSION_ID_CHARS) {
    throw new HttpError('malformed', `X-Mycel-Session (or metadata.session) is a session id of 1 to ${MAX_SESSION_ID_CHARS} characters`)
  }
  return value
}
