/**
 * The contract of `POST /api/sessions/turns`: a session and only its new
 * messages, with the sampling a turn may set. The node answers with the
 * task events of `task-stream.ts`; the result line names the session.
 */
import { arrayOf, literal, num, object, oneOf, optional, str, uint, type Infer } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'

export const SessionMessage = object({
  role: oneOf(['system', 'user', 'assistant', 'tool'] as const),
  content: str({ max: 1024 * 1024 })
})

export const SessionTurnBody = object({
  session: str({ min: 1, max: 192 }),
  messages: arrayOf(SessionMessage, { min: 1, max: 64 }),
  model: optional(str({ min: 1, max: 128 })),
  dataClass: optional(oneOf(DATA_CLASSES)),
  /** Whose memory a new session belongs to (agent profiles). */
  agent: optional(str({ min: 1, max: 128 })),
  peer: optional(str({ max: 128 })),
  local: optional(literal(true)),
  maxTokens: optional(uint({ min: 1, max: 1_000_000 })),
  temperature: optional(num({ min: 0, max: 5 })),
  seed: optional(uint({ max: 2 ** 32 - 1 })),
  priority: optional(oneOf(['interactive', 'background'] as const))
})

export type SessionTurnRequestBody = Infer<typeof SessionTurnBody>

/** `TurnRequest.sampling` from a body's sampling fields. */
export function turnSampling (b: { maxTokens?: number, temperature?: number, seed?: number }): { maxTokens?: number, temperature?: number, seed?: number } {
  return {
    ...(b.maxTokens != null ? { maxTokens: b.maxTokens } : {}),
    ...(b.temperature != null ? { temperature: b.temperature } : {}),
    ...(b.seed != null ? { seed: b.seed } : {})
  }
}
