/**
 * How an attempt's outcome reaches the caller: a local failure as a client
 * error the router switches on, the caller's error from a remote one, the
 * task summary settled with its reason, and a result's stop sequence when
 * the task asked for it.
 */
import type { TaskState } from '../../../protocol/task/messages.ts'
import type { TaskSummary } from '../executor/executor.ts'
import type { TaskOutput } from '../registry.ts'
import { limitOf, TaskFailedError, wireCodeOf } from '../errors.ts'
import { MAX_REASON_CHARS } from '../constants.ts'
import { TaskClientError } from '../wire/errors.ts'

/** The stop sequence of a result, when it is one the task asked for (an executor's word is not trusted beyond that). */
export function stopOf (out: TaskOutput, spec: { input: Record<string, unknown> }): { stopSequence?: string } {
  const asked = (spec.input as { stop?: unknown }).stop
  const s = out.stopSequence
  return typeof s === 'string' && Array.isArray(asked) && asked.includes(s) ? { stopSequence: s } : {}
}

/** A local failure joins the remote ones as a `remote` code (it carries the error a caller should see). */
export function asClientError (err: unknown): TaskClientError {
  if (err instanceof TaskClientError) return err
  const code = wireCodeOf(err)
  const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs
  const limit = code === 'busy' ? limitOf(err) : undefined
  return new TaskClientError(code === 'busy' ? 'busy' : 'remote', (err as Error).message, { remoteCode: code, cause: err, ...(retryAfterMs != null ? { retryAfterMs } : {}), ...(limit != null ? { limit } : {}) })
}

/** Records a task's end and why on its summary (the dashboard shows the reason); returns the error to throw. */
export function settle (summary: TaskSummary, state: TaskState, err: Error): Error {
  summary.state = state
  summary.updatedAt = Date.now()
  summary.error = wireCodeOf(err)
  // an internal error's message may say more than a caller should read
  if (summary.error !== 'internal') summary.reason = err.message.slice(0, MAX_REASON_CHARS)
  return err
}

/**
 * What the caller sees: a local error as it was thrown, a remote one as the
 * task's wire code. A refusal by context that no member could take is
 * `prompt-too-long` (HTTP 400 at the doors): `busy` would have the client
 * retry what can never fit.
 */
export function callerError (err: TaskClientError): Error {
  if (err.contextRefusal) return new TaskFailedError('prompt-too-long', `The task needs more context than any member's sequence holds (${err.limit ?? 0} tokens): shorten the prompt or lower max tokens`)
  if (err.cause instanceof Error) return err.cause
  return new TaskFailedError(err.wireCode, err.message, err.retryAfterMs)
}
