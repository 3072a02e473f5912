/**
 * Admission by context: the KV cells a task needs are its prompt plus the
 * tokens it may generate. node-llama-cpp gives each sequence its own
 * `contextSize` cells (no unified KV, see docs/decisions.md), so the need
 * must fit one sequence; a task that asked for more is refused with `busy`
 * (a member with a larger context can take it), one that asked for nothing
 * gets the default shrunk to the room left. The plain chat and completion
 * path admits its prompt before taking a sequence; the function-calling
 * chat (tool-chat.ts) renders its own prompt and admits it the same way
 * before it evaluates anything.
 */
import { ContextBudgetError, PromptTooLongError } from './errors.ts'

/**
 * The `maxTokens` the task runs with.
 * @throws PromptTooLongError when the prompt alone leaves no room, ContextBudgetError when prompt plus `asked` cannot fit
 */
export function admitByContext (prompt: number, asked: number | undefined, fallback: number, contextSize: number, retryAfterMs: () => number): number {
  if (prompt >= contextSize) throw new PromptTooLongError(prompt, contextSize)
  if (asked == null) return Math.min(fallback, contextSize - prompt)
  if (prompt + asked > contextSize) throw new ContextBudgetError(prompt + asked, contextSize, retryAfterMs())
  return asked
}
