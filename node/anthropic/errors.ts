/**
 * Anthropic-style errors for `/v1/messages`:
 * `{ type: 'error', error: { type, message } }` with the status Anthropic's
 * clients map to their typed exceptions (https://docs.anthropic.com/en/api/errors).
 * The status comes from the one map keyed by error code (`ERROR_STATUS`).
 */
import { ERROR_STATUS } from '../../protocol/codes.ts'
import { codeOf, publicMessage } from '../api/errors.ts'

export interface AnthropicErrorBody {
  type: 'error'
  error: { type: string, message: string }
}

/** Anthropic's error `type` for a status. */
function typeOf (status: number): string {
  switch (status) {
    case 400: return 'invalid_request_error'
    case 401: return 'authentication_error'
    case 403: return 'permission_error'
    case 404: return 'not_found_error'
    case 413: return 'request_too_large'
    case 429: return 'rate_limit_error'
    case 503: return 'overloaded_error'
    default: return status < 500 ? 'invalid_request_error' : 'api_error'
  }
}

export function anthropicError (err: unknown): AnthropicErrorBody {
  return { type: 'error', error: { type: typeOf(ERROR_STATUS[codeOf(err)].http), message: publicMessage(err) } }
}
