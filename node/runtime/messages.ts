/**
 * Chat messages before any model is involved: their validation, whether a
 * chat needs the function-calling path, and the fallback prompt format.
 * Kept apart from `chat.ts` so that checking a request never loads
 * llama.cpp's binding.
 */
import { MalformedMessageError } from '../../protocol/errors.ts'
import { chatMessageShape, type ChatMessage } from '../../protocol/task/chat.ts'
import { MAX_CHAT_MESSAGES, MAX_MESSAGE_CHARS } from './constants.ts'
import { InvalidRequestError } from './errors.ts'

export type { ChatMessage }
export type ChatRole = ChatMessage['role']

const messageShape = chatMessageShape(MAX_MESSAGE_CHARS)

export function validateMessages (messages: unknown): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_CHAT_MESSAGES) {
    throw new InvalidRequestError(`messages must be an array of 1 to ${MAX_CHAT_MESSAGES} messages`)
  }
  messages.forEach((m, i) => {
    try { messageShape(m, `messages[${i}]`) } catch (err) {
      if (err instanceof MalformedMessageError) throw new InvalidRequestError(err.message)
      throw err
    }
  })
}

/** Whether a chat needs the function-calling path: a call or a tool result in its history. */
export function hasToolTurns (messages: readonly ChatMessage[]): boolean {
  return messages.some(m => m.role === 'tool' || (m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0))
}

/** The fallback chat format (see the module comment), for chats without tool turns. */
export function fallbackChatPrompt (messages: readonly ChatMessage[]): string {
  return messages.map(m => `<|${m.role}|>\n${m.content}\n`).join('') + '<|assistant|>\n'
}
