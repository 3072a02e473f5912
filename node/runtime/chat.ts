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
import { resolveChatWrapper, type ChatHistoryItem, type ChatModelFunctionCall, type ChatWrapper, type LlamaModel, type Token } from 'node-llama-cpp'
import type { ChatMessage } from '../../protocol/task/chat.ts'

import { fallbackChatPrompt } from './messages.ts'

export { validateMessages, hasToolTurns, fallbackChatPrompt, type ChatMessage, type ChatRole } from './messages.ts'

/**
 * Messages as node-llama-cpp's chat history. A tool message is the result of
 * a call an earlier assistant message made, and node-llama-cpp keeps a call
 * and its result together in the model's response, so results are folded
 * into the call they answer. A history that ends in calls (and their
 * results) ends in that response, which the model then continues, as
 * node-llama-cpp's own sessions do after running functions; otherwise an
 * empty response is opened for the model.
 */
export function chatHistory (messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = []
  const calls = new Map<string, ChatModelFunctionCall>()
  let endsInCalls = false
  for (const m of messages) {
    if (m.role === 'tool') {
      // validateChatTools has made sure that every result answers a call
      const call = calls.get(m.toolCallId)
      if (call != null) call.result = m.content
      continue
    }
    endsInCalls = false
    if (m.role !== 'assistant') history.push(m.role === 'system' ? { type: 'system', text: m.content } : { type: 'user', text: m.content })
    else {
      const response: Array<string | ChatModelFunctionCall> = m.content !== '' ? [m.content] : []
      for (const c of m.toolCalls ?? []) {
        const call: ChatModelFunctionCall = { type: 'functionCall', name: c.name, params: parseArguments(c.arguments), result: '' }
        calls.set(c.id, call)
        response.push(call)
      }
      history.push({ type: 'model', response })
      endsInCalls = (m.toolCalls?.length ?? 0) > 0
    }
  }
  if (!endsInCalls) history.push({ type: 'model', response: [] })
  return history
}

/** A call's arguments as the wrapper renders them: parsed JSON, or the text itself when it is not JSON. */
function parseArguments (text: string): unknown {
  try { return JSON.parse(text) } catch { return text }
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
