/**
 * The closed lists of error codes. `WIRE_ERROR_CODES` cross the libp2p wire:
 * a remote never sees our `err.message` or a stack; it sees one of these,
 * and maps it back to a typed error with a fixed message. `API_ERROR_CODES`
 * add the codes only the node's HTTP side speaks (a missing token, a route
 * that does not exist, no member to run a task), so every error an API
 * answers with has exactly one code, and each code one status per API
 * (`ERROR_STATUS`).
 */
export const WIRE_ERROR_CODES = [
  'malformed',
  'too-large',
  'unsupported-version',
  'not-a-member',
  'wrong-org',
  'cert-invalid',
  'cert-expired',
  'revoked',
  'invite-invalid',
  'invite-expired',
  'invite-used',
  'invite-revoked',
  'not-admin',
  'denied',
  'busy',
  'not-found',
  'replay',
  'expired',
  'canceled',
  'timeout',
  'unavailable',
  'internal',
  // a generation's own limits, so a delegator learns which one it crossed (with the limit, in the failure frame)
  'max-tokens-exceeded',
  'prompt-too-long',
  // the model gate: a pinned file the member does not hold, a file the org's catalog does not approve
  'model-digest-mismatch',
  'model-not-approved',
  // the output check: the result would carry restricted memory text to this recipient (node/guard)
  'output-refused'
] as const

export type WireErrorCode = typeof WIRE_ERROR_CODES[number]

/** Codes of the HTTP APIs (control, OpenAI, MCP) that never cross the libp2p wire. */
export const HTTP_ONLY_ERROR_CODES = [
  'unauthorized',
  'no-route',
  'method-not-allowed',
  'invalid-json',
  'forbidden-host',
  'forbidden-origin',
  'unsupported-parameter',
  'no-candidate',
  'executor-failed'
] as const

export const API_ERROR_CODES = [...WIRE_ERROR_CODES, ...HTTP_ONLY_ERROR_CODES] as const

export type ApiErrorCode = typeof API_ERROR_CODES[number]

/** Fixed, human-readable text for each code; safe to show to a user. */
export const WIRE_ERROR_TEXT: Record<WireErrorCode, string> = {
  malformed: 'the peer refused the request as malformed or outside its limits',
  'too-large': 'the message was too large for the peer',
  'unsupported-version': 'the peer speaks another protocol version',
  'not-a-member': 'not a member of this organisation',
  'wrong-org': 'the peer belongs to another organisation',
  'cert-invalid': 'the membership certificate is invalid',
  'cert-expired': 'the membership certificate has expired',
  revoked: 'membership has been revoked',
  'invite-invalid': 'the invite is not valid for this organisation',
  'invite-expired': 'the invite has expired',
  'invite-used': 'the invite has already been used',
  'invite-revoked': 'the invite has been revoked',
  'not-admin': 'the peer is not an admin of the organisation',
  denied: 'denied by policy',
  busy: 'the peer is busy',
  'not-found': 'not found',
  replay: 'the request was already seen (replay)',
  expired: 'the request has expired',
  canceled: 'canceled',
  timeout: 'timed out',
  unavailable: 'the peer cannot serve this now',
  internal: 'the peer hit an internal error',
  'max-tokens-exceeded': 'max_tokens is above the executor\'s limit',
  'prompt-too-long': 'the prompt does not fit the executor\'s context',
  'model-digest-mismatch': 'the member\'s model under that name is not the file pinned by digest',
  'model-not-approved': 'the member\'s policy requires a model on the org\'s catalog, and this one is not',
  'output-refused': 'the result reproduces memory text the executor may not send to this recipient'
}

/**
 * How each API reports a code: the HTTP status (control and OpenAI APIs),
 * the word both HTTP APIs put in `error.code` (OpenAI's own words where
 * OpenAI has one, so its clients' typed exceptions fire), and the start of
 * the one line an MCP tool error shows.
 */
export interface ErrorStatus { http: number, api: string, mcp: string }

export const ERROR_STATUS: Record<ApiErrorCode, ErrorStatus> = {
  malformed: { http: 400, api: 'invalid_request', mcp: 'Invalid request' },
  'too-large': { http: 413, api: 'request_too_large', mcp: 'Too large' },
  'unsupported-version': { http: 400, api: 'unsupported_version', mcp: 'Unsupported protocol version' },
  'not-a-member': { http: 403, api: 'not_a_member', mcp: 'Not a member' },
  'wrong-org': { http: 403, api: 'wrong_org', mcp: 'Another organisation' },
  'cert-invalid': { http: 403, api: 'cert_invalid', mcp: 'Invalid certificate' },
  'cert-expired': { http: 403, api: 'cert_expired', mcp: 'Certificate expired' },
  revoked: { http: 403, api: 'revoked', mcp: 'Membership revoked' },
  'invite-invalid': { http: 400, api: 'invite_invalid', mcp: 'Invalid invite' },
  'invite-expired': { http: 400, api: 'invite_expired', mcp: 'Invite expired' },
  'invite-used': { http: 409, api: 'invite_used', mcp: 'Invite already used' },
  'invite-revoked': { http: 403, api: 'invite_revoked', mcp: 'Invite revoked' },
  'not-admin': { http: 403, api: 'not_admin', mcp: 'Not an admin' },
  denied: { http: 403, api: 'policy_denied', mcp: 'Denied by policy' },
  busy: { http: 429, api: 'rate_limit_exceeded', mcp: 'Every capable member is busy' },
  'not-found': { http: 404, api: 'not_found', mcp: 'Not found' },
  replay: { http: 409, api: 'replay', mcp: 'Replayed request' },
  expired: { http: 400, api: 'expired', mcp: 'Request expired' },
  // 499: nginx's "client closed request"; the client asked for the cancel
  canceled: { http: 499, api: 'canceled', mcp: 'Canceled' },
  timeout: { http: 504, api: 'timeout', mcp: 'Timed out' },
  unavailable: { http: 503, api: 'unavailable', mcp: 'Unavailable' },
  internal: { http: 500, api: 'internal_error', mcp: 'Task failed' },
  'max-tokens-exceeded': { http: 400, api: 'max_tokens_exceeded', mcp: 'max_tokens above the limit' },
  // OpenAI's own word for a prompt its model cannot take
  'prompt-too-long': { http: 400, api: 'context_length_exceeded', mcp: 'Prompt too long' },
  'model-digest-mismatch': { http: 409, api: 'model_digest_mismatch', mcp: 'Pinned model digest differs' },
  'model-not-approved': { http: 403, api: 'model_not_approved', mcp: 'Model not approved' },
  'output-refused': { http: 403, api: 'output_refused', mcp: 'Output refused' },
  unauthorized: { http: 401, api: 'invalid_api_key', mcp: 'Missing or wrong API token' },
  'no-route': { http: 404, api: 'unknown_url', mcp: 'No such endpoint' },
  'method-not-allowed': { http: 405, api: 'method_not_allowed', mcp: 'Method not allowed' },
  'invalid-json': { http: 400, api: 'invalid_json', mcp: 'Invalid JSON' },
  'forbidden-host': { http: 403, api: 'forbidden_host', mcp: 'Forbidden host' },
  'forbidden-origin': { http: 403, api: 'forbidden_origin', mcp: 'Forbidden origin' },
  'unsupported-parameter': { http: 400, api: 'unsupported_parameter', mcp: 'Unsupported parameter' },
  'no-candidate': { http: 404, api: 'model_not_found', mcp: 'No member can run this' },
  // the executor, not this node, failed: a gateway error
  'executor-failed': { http: 502, api: 'executor_failed', mcp: 'Task failed on the executor' }
}

const API_CODE_SET: ReadonlySet<string> = new Set(API_ERROR_CODES)

export function isApiErrorCode (value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && API_CODE_SET.has(value)
}

/** An error reported by a remote peer with a wire code. */
export class RemoteError extends Error {
  static override name = 'RemoteError'
  readonly code: WireErrorCode
  constructor (code: WireErrorCode, message?: string) {
    super(message ?? `Remote refused: ${WIRE_ERROR_TEXT[code]}`)
    this.name = RemoteError.name
    this.code = code
  }
}
