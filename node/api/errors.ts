/**
 * Errors of the node's HTTP side, and the one way any error becomes an API
 * answer: its code (`codeOf`), then that code's status in `ERROR_STATUS`
 * (`protocol/codes.ts`), the same for the control API, the OpenAI API and
 * the MCP tools.
 */
import { ERROR_STATUS, isApiErrorCode, type ApiErrorCode } from '../../protocol/codes.ts'
import { NoCandidateError, TaskFailedError, wireCodeOf } from '../tasks/errors.ts'

/** An error an HTTP handler answers with; its status follows from its code. */
export class HttpError extends Error {
  static override name = 'HttpError'
  readonly code: ApiErrorCode
  readonly headers: Record<string, string>
  constructor (code: ApiErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = HttpError.name
    this.code = code
    this.headers = headers
  }

  get status (): number { return ERROR_STATUS[this.code].http }
}

/** A command that needs a running node found none at the home's API address. */
export class NodeNotRunningError extends Error {
  static override name = 'NodeNotRunningError'
  readonly code = 'unavailable'
  constructor (message = 'No running node found for this home; start one with `mycel start`') {
    super(message)
    this.name = NodeNotRunningError.name
  }
}

/** The node answered with something that is not the API's declared shape. */
export class MalformedApiResponseError extends Error {
  static override name = 'MalformedApiResponseError'
  readonly code = 'malformed'
  constructor (message = 'The node sent a malformed answer') {
    super(message)
    this.name = MalformedApiResponseError.name
  }
}

/** The API code of any error: its own code when it carries one, else what the task wire would say. */
export function codeOf (err: unknown): ApiErrorCode {
  const e = err as { code?: unknown, name?: unknown } | undefined
  // the executor, not this node, failed: the caller sees a gateway error
  if (err instanceof TaskFailedError && err.code === 'internal') return 'executor-failed'
  // no member offers it: to an OpenAI client, the model does not exist
  if (err instanceof NoCandidateError) return 'no-candidate'
  if (isApiErrorCode(e?.code)) return e.code
  return wireCodeOf(err)
}

/** The HTTP status of any error. */
export function statusOf (err: unknown): number {
  return ERROR_STATUS[codeOf(err)].http
}

/** What a user may read of an error: typed errors have messages written for them; anything else hides its internals. */
export function publicMessage (err: unknown): string {
  const code = codeOf(err)
  if (code === 'internal') return 'Internal error'
  return err instanceof Error ? err.message : String(err)
}

/** Seconds for a `Retry-After` header, from an error's `retryAfterMs`. */
export function retryAfterSeconds (err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1000)) : undefined
}

/** The error object both HTTP APIs' control side sends (bodies and NDJSON `error` lines). */
export interface ApiErrorObject {
  /** The public word (`ERROR_STATUS[wire].api`). */
  code: string
  /** The code behind it; clients branch on this. */
  wire: ApiErrorCode
  status: number
  message: string
  retryAfterMs?: number
}

export function apiErrorObject (err: unknown): ApiErrorObject {
  const wire = codeOf(err)
  const ms = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs
  return {
    code: ERROR_STATUS[wire].api,
    wire,
    status: ERROR_STATUS[wire].http,
    message: publicMessage(err),
    ...(typeof ms === 'number' && Number.isFinite(ms) ? { retryAfterMs: ms } : {})
  }
}
