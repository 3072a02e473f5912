/**
 * OpenAI-style errors for `/v1/`: `{ error: { message, type, param, code } }`
 * with the status an OpenAI client expects, so its typed exceptions
 * (`NotFoundError`, `PermissionDeniedError`, `RateLimitError`, ...) fire.
 */
import { HttpError } from '../api/errors.ts'
import type { WireErrorCode } from '../../protocol/codes.ts'

/** A request the OpenAI API refuses, naming the offending body field. */
export class OpenAiRequestError extends HttpError {
  static override name = 'OpenAiRequestError'
  readonly param: string | null
  constructor (status: number, code: string, message: string, param: string | null = null) {
    super(status, code, message)
    this.name = OpenAiRequestError.name
    this.param = param
  }
}

export interface OpenAiErrorObject {
  error: { message: string, type: string, param: string | null, code: string | null }
}

const TYPE_OF_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error'
}

/** Our typed error names and HTTP codes, in the words OpenAI clients know. */
const OPENAI_CODE: Record<string, string> = {
  unauthorized: 'invalid_api_key',
  not_found: 'unknown_url',
  method_not_allowed: 'method_not_allowed',
  too_large: 'request_too_large',
  invalid_json: 'invalid_json',
  NoCandidateError: 'model_not_found',
  PolicyDeniedError: 'policy_denied',
  BusyError: 'rate_limit_exceeded',
  RateLimitedError: 'rate_limit_exceeded'
}

/** The error body of one failed request (the ApiServer's `errorBody` hook for `/v1/`). */
export function openAiError (status: number, code: string, message: string, err?: Error): OpenAiErrorObject {
  const param = err instanceof OpenAiRequestError ? err.param : err?.name === 'NoCandidateError' ? 'model' : null
  return {
    error: {
      message,
      type: TYPE_OF_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
      param,
      code: OPENAI_CODE[code] ?? code
    }
  }
}

/** `errorBody` for the whole server: OpenAI's shape under `/v1/`, the control API's elsewhere. */
export function apiErrorBody (path: string, status: number, code: string, message: string, err: Error): unknown {
  if (path === '/v1' || path.startsWith('/v1/')) return openAiError(status, code, message, err)
  return { error: { code, message } }
}

const STATUS_OF_WIRE: Partial<Record<WireErrorCode, [number, string]>> = {
  denied: [403, 'policy_denied'],
  busy: [429, 'rate_limit_exceeded'],
  'not-found': [404, 'model_not_found'],
  malformed: [400, 'invalid_request'],
  canceled: [499, 'canceled'],
  timeout: [504, 'timeout'],
  unavailable: [503, 'unavailable'],
  internal: [502, 'executor_failed']
}

/**
 * Maps what `router.run` throws to an error with the fitting status: the
 * server's `statusOf` knows most names; a task that failed on an executor
 * carries a wire code instead.
 */
export function taskHttpError (err: unknown): Error {
  const e = err as Error & { code?: WireErrorCode, retryAfterMs?: number }
  if (e?.name === 'InvalidTaskInputError') return new OpenAiRequestError(400, 'invalid_request', e.message)
  if (e?.name === 'TaskFailedError' && e.code != null) {
    const [status, code] = STATUS_OF_WIRE[e.code] ?? [502, 'executor_failed']
    const out = new HttpError(status, code, e.message, e.retryAfterMs != null ? { 'Retry-After': String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))) } : {})
    return out
  }
  return e instanceof Error ? e : new Error(String(err))
}
