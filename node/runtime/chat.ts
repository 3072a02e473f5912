/**
 * Chat messages to prompt tokens. A model whose GGUF carries
 * `tokenizer.chat_template` is prompted through node-llama-cpp's chat wrapper
 * for that template. A model without one (the generated test models, some
 * base models) gets Mycel's fallback format, one block per message and an
 * open assistant block at the end:
 *
 *     <|system|>
 *     You are terse.
 *     <|user|>
 *     Hi
 *     <|assistant|>
 *
 * The markers are plain text, not special tokens; generation ends at the
 * model's end-of-generation token or the token limit.
 */
import { resolveChatWrapper, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type Token } from 'node-llama-cpp'
import { InvalidRequestError } from './errors.ts'

export type ChatRole = 'system' | 'user' | 'assistant'

export interface ChatMessage {
  role: ChatRole
  content: string
}

const ROLES = new Set<string>(['system', 'user', 'assistant'])

export function validateMessages (messages: unknown): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new InvalidRequestError('messages must be a non-empty array')
  for (const m of messages as unknown[]) {
    const msg = m as Partial<ChatMessage> | null
    if (msg == null || typeof msg !== 'object' || !ROLES.has(msg.role as string) || typeof msg.content !== 'string') {
      throw new InvalidRequestError('each message needs a role (system, user or assistant) and a string content')
    }
  }
}

/** The fallback chat format (see the module comment). */
export function fallbackChatPrompt (messages: readonly ChatMessage[]): string {
  return messages.map(m => `<|${m.role}|>\n${m.content}\n`).join('') + '<|assistant|>\n'
}

/** The chat wrapper for a model with a chat template, or null to use the fallback format. */
export function chatWrapperFor (model: LlamaModel, hasChatTemplate: boolean): ChatWrapper | null {
  if (!hasChatTemplate) return null
  return resolveChatWrapper(model, { warningLogs: false, fallbackToOtherWrappersOnJinjaError: true })
}

export function chatPromptTokens (model: LlamaModel, wrapper: ChatWrapper | null, messages: readonly ChatMessage[]): Token[] {
  if (wrapper == null) {
    const text = model.tokenize(fallbackChatPrompt(messages))
    return model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos, ...text] : text
  }
  const chatHistory: ChatHistoryItem[] = messages.map(m =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] })
  chatHistory.push({ type: 'model', response: [] })
  const { contextText } = wrapper.generateContextState({ chatHistory })
  return contextText.tokenize(model.tokenizer)
}

/** Completion prompt tokens: BOS when the model wants one, then the text. */
export function completionPromptTokens (model: LlamaModel, prompt: string): Token[] {
  const text = model.tokenize(prompt)
  return model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos, ...text] : text
}
