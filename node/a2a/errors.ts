/**
 * Errors of the A2A door as JSON-RPC error objects (spec §9.5). The SDK's
 * typed A2A errors keep their own codes (`-32001` task not found, `-32602`
 * invalid params, ...); the node's HTTP errors (a missing token, a body too
 * large, invalid JSON) keep their HTTP status and get the JSON-RPC code
 * that fits (`-32700` for JSON, `-32600` for other refusals of the request,
 * `-32603` for the node's own failures) with a `google.rpc.ErrorInfo` whose
 * `reason` is the node's error word, so a client can still branch on it.
 * Messages are the node's public ones: never a stack or an internal error.
 * The SDK's error mapping loads with the door (`routes.ts`); before that no
 * SDK error can exist, and the node's own need no SDK.
 */
import { ERROR_STATUS, type ApiErrorCode } from '../../protocol/codes.ts'
import { codeOf, publicMessage } from '../api/errors.ts'
import { lazyModule } from '../lazy.ts'
import { ERROR_INFO_TYPE } from './constants.ts'

export interface JsonRpcErrorObject { code: number, message: string, data?: unknown[] }

export interface JsonRpcErrorResponse { jsonrpc: '2.0', id: string | number | null, error: JsonRpcErrorObject }

const PARSE_ERROR = -32700
const INVALID_REQUEST = -32600
const INVALID_PARAMS = -32602
const INTERNAL_ERROR = -32603

/** Node codes with a JSON-RPC code of their own; others follow their HTTP status. */
const RPC_CODE: Partial<Record<ApiErrorCode, number>> = {
  'invalid-json': PARSE_ERROR,
  'unsupported-parameter': INVALID_PARAMS
}

/** The ErrorInfo domain of the node's own reasons (A2A's are `a2a-protocol.org`). */
const MYCEL_ERROR_DOMAIN = 'mycel'

/** The SDK's error classes and their JSON-RPC mapping, v1.0 and v0.3. */
export const loadA2aErrorSdk = lazyModule('@a2a-js/sdk', async () => {
  const [errors, legacy] = await Promise.all([import('@a2a-js/sdk/errors'), import('@a2a-js/sdk/compat/v0_3/server')])
  return { A2AError: errors.A2AError, toJsonRpcError: errors.toJsonRpcError, toLegacyJsonRpcError: legacy.LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError }
})

export function jsonRpcError (err: unknown, legacy = false): JsonRpcErrorObject {
  const sdk = loadA2aErrorSdk.loaded()
  if (sdk != null && err instanceof sdk.A2AError) return legacy ? sdk.toLegacyJsonRpcError(err) as JsonRpcErrorObject : sdk.toJsonRpcError(err)
  const code = codeOf(err)
  const { http, api } = ERROR_STATUS[code]
  return {
    code: RPC_CODE[code] ?? (http < 500 ? INVALID_REQUEST : INTERNAL_ERROR),
    message: publicMessage(err),
    data: [{ '@type': ERROR_INFO_TYPE, reason: api.toUpperCase(), domain: MYCEL_ERROR_DOMAIN, metadata: { status: String(http) } }]
  }
}

export function jsonRpcErrorResponse (id: string | number | null, err: unknown, legacy = false): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id, error: jsonRpcError(err, legacy) }
}
