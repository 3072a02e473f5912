/** One session turn as the CLI runs it: text streamed to `onText`, the result returned, an error line thrown. */
import type { ApiClient } from '../api/client.ts'
import type { SessionTurnRequestBody } from '../api/session-body.ts'
import type { TaskResultEvent } from '../api/task-stream.ts'
import { MalformedApiResponseError } from '../api/errors.ts'
import { RunFailedError } from './errors.ts'

export interface TurnNotes {
  onText?: (text: string) => void
  /** A failover or a restart of the output, for stderr. */
  onNote?: (note: string) => void
}

export async function streamTurn (api: ApiClient, body: SessionTurnRequestBody, signal: AbortSignal, notes: TurnNotes = {}): Promise<TaskResultEvent> {
  let result: TaskResultEvent | undefined
  for await (const e of api.sessionTurn(body, signal)) {
    if (e.type === 'text') notes.onText?.(e.text)
    else if (e.type === 'failover') notes.onNote?.(`[executor ${e.from} failed (${e.reason}); failing over]`)
    else if (e.type === 'reset') notes.onNote?.('[output restarts]')
    else if (e.type === 'error') throw new RunFailedError(e.error.wire, e.error.message, e.error.retryAfterMs)
    else if (e.type === 'result') result = e
  }
  if (result == null) throw new MalformedApiResponseError('The node closed the stream without a result')
  return result
}
