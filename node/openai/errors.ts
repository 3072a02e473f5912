/**
 * OpenAI-style errors for `/v1/`: `{ error: { message, type, param, code } }`
 * with the status an OpenAI client expects, so its typed exceptions
 * (`NotFoundError`, `PermissionDeniedError`, `RateLimitError`, ...) fire.
 * Status and code come from the one map keyed by error code
 * (`ERROR_STATUS` in `protocol/codes.ts`).
 */
import { ERROR_STATUS, type ApiErrorCode } from '../../protocol/codes.ts'
import { apiErrorObject, codeOf, HttpError, publicMessage } from '../api/errors.ts'

/** A request the OpenAI API refuses, naming the offending body field. */
export class OpenAiRequestError extends HttpError {
  static override name = 'OpenAiRequestError'
  readonly param: string | null
  constructor (code: ApiErrorCode, message: string, param: string | null = null) {
    super(code, message)
    this.name = OpenAiRequestError.name
    this.param = param
  }
}

export interface OpenAiErrorObject {
  error: { message: string, type: string, param: string | null, code: string | null }
}

/** OpenAI's error `type` for a status. */
function typeOf (status: number): string {
  if (status === 403) return 'permission_error'
  if (status === 429) return 'rate_limit_error'
  return status >= 500 ? 'server_error' : 'invalid_request_error'
}

/** The OpenAI error body of any error. */
export function openAiError (err: unknown): OpenAiErrorObject {
  const code = codeOf(err)
  const { http, api } = ERROR_STATUS[code]
  const param = err instanceof OpenAiRequestError ? err.param : code === 'no-candidate' ? 'model' : null
  return { error: { message: publicMessage(err), type: typeOf(http), param, code: api } }
}

/** `errorBody` for the whole server: OpenAI's shape under `/v1/`, the control API's elsewhere. */
export function apiErrorBody (path: string, err: unknown): unknown {
  if (path === '/v1' || path.startsWith('/v1/')) return openAiError(err)
  return { error: apiErrorObject(err) }
}
