/**
 * Error bodies by path: each API answers in its own clients' shape
 * (Anthropic's under `/v1/messages`, OpenAI's elsewhere under `/v1/`,
 * Ollama's on its six `/api/` paths, JSON-RPC's on A2A's `/a2a`, the control API's otherwise), with the status of the one map (`ERROR_STATUS`).
 */
import { apiErrorBody } from '../openai/index.ts'
import { anthropicError } from '../anthropic/index.ts'
import { ollamaError, OLLAMA_PATHS } from '../ollama/index.ts'
import { A2A_RPC_PATH, jsonRpcErrorResponse } from '../a2a/index.ts'

export function errorBody (path: string, err: unknown): unknown {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return anthropicError(err)
  if (OLLAMA_PATHS.has(path)) return ollamaError(err)
  if (path === A2A_RPC_PATH) return jsonRpcErrorResponse(null, err)
  return apiErrorBody(path, err)
}
