/**
 * Ollama-style errors for its paths: `{ error: "message" }`, with the status
 * of the one map keyed by error code (`ERROR_STATUS`); the `ollama` client
 * raises them as `ResponseError` with that status. Mid-stream, the same
 * object is the last NDJSON line, which the client raises too.
 */
import { publicMessage } from '../api/errors.ts'

export function ollamaError (err: unknown): { error: string } {
  return { error: publicMessage(err) }
}

/** The paths Mycel serves of the Ollama API (docs/decisions.md: they share `/api/` with the control API). */
export const OLLAMA_PATHS: ReadonlySet<string> = new Set(['/api/tags', '/api/chat', '/api/generate', '/api/embed', '/api/ps', '/api/version'])
