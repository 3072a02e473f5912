/**
 * A Responses request as the `llm.chat` task input the router runs: the
 * instructions as the system turn, then the input items in order.
 * Function tools, tool turns and JSON-schema output need the runtime's
 * function calling; until a node has it they are refused with a 400 naming
 * the field, never dropped.
 */
import { OpenAiRequestError } from '../openai/index.ts'
import type { ResponsesRequest } from './requests.ts'

export function chatInput (req: ResponsesRequest): Record<string, unknown> {
  if (req.tools.length > 0) throw new OpenAiRequestError('unsupported-parameter', 'function tools are not supported by Mycel yet', 'tools')
  if (req.textFormat.type !== 'text') throw new OpenAiRequestError('unsupported-parameter', `text.format "${req.textFormat.type}" is not supported by Mycel yet`, 'text.format')
  const messages: Array<{ role: string, content: string }> = []
  if (req.instructions != null && req.instructions !== '') messages.push({ role: 'system', content: req.instructions })
  req.items.forEach((item, i) => {
    if (item.type !== 'message') throw new OpenAiRequestError('unsupported-parameter', `${item.type} items are not supported by Mycel yet`, `input[${i}].type`)
    messages.push({ role: item.role, content: item.content })
  })
  return { model: req.model, ...req.sampling, messages }
}
