/**
 * `X-Mycel-Class`: the data class of a request to an API door that has no
 * field for it (OpenAI, Anthropic, Ollama, Responses). Without the header a
 * door's task is `internal`, as before; with it an OpenAI client can send
 * `local-only` work (which then never leaves this node) or mark work
 * `public`, which the policy may let reach the cloud.
 *
 * @example
 * curl -H 'X-Mycel-Class: local-only' -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7878/v1/chat/completions ...
 */
import type { IncomingMessage } from 'node:http'
import { DATA_CLASSES, type DataClass } from '../../protocol/task/messages.ts'
import { HttpError } from './errors.ts'

export const DATA_CLASS_HEADER = 'x-mycel-class'

/** `{ dataClass }` from the header, `{}` without one; a value that is not a class is a 400 naming the header. */
export function requestDataClass (req: Pick<IncomingMessage, 'headers'>): { dataClass?: DataClass } {
  const raw = req.headers[DATA_CLASS_HEADER]
  if (raw == null) return {}
  const value = (Array.isArray(raw) ? raw.join(',') : raw).trim().toLowerCase()
  if (!(DATA_CLASSES as readonly string[]).includes(value)) {
    throw new HttpError('malformed', `X-Mycel-Class must be one of ${DATA_CLASSES.join(', ')} (got ${JSON.stringify(value.slice(0, 32))})`)
  }
  return { dataClass: value as DataClass }
}
