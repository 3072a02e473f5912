/**
 * Error bodies by path: each API answers in its own clients' shape
 * (Anthropic's under `/v1/messages`, OpenAI's elsewhere under `/v1/`,
 * Ollama's on its six `/api/` paths, the control API's otherwise), with the status of the one map (`ERROR_STATUS`).
 */
import { apiErrorBody } from '../openai/index.ts'
import { anthropicError } from '../anthropic/index.ts'
import { ollamaError, OLLAMA_PATHS } from '../ollama/index.ts'

export function errorBody (path: string, err: unknown): unknown {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return anthropicError(err)
  if (OLLAMA_PATHS.has(path)) return ollamaError(err)
  return apiErrorBody(path, err)
}
