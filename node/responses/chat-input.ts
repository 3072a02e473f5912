/**
 * A Responses request as the `llm.chat` task input the router runs
 * (`protocol/task/chat.ts`): the instructions as the system turn, then the
 * input items in order. A run of `function_call` items becomes one
 * assistant turn with those calls (joined to the assistant text just before
 * them, as OpenAI writes a turn that says something and calls), and each
 * `function_call_output` a tool turn answering its call. Function tools,
 * the tool choice and `text.format` map one to one; `strict` is always in
 * force, since the executor's grammar holds calls and JSON to their schemas.
 */
import type { ChatMessage, ToolCall } from '../../protocol/task/chat.ts'
import type { ResponsesRequest } from './requests.ts'

export function chatInput (req: ResponsesRequest): Record<string, unknown> {
  const messages: ChatMessage[] = []
  if (req.instructions != null && req.instructions !== '') messages.push({ role: 'system', content: req.instructions })
  for (const item of req.items) {
    if (item.type === 'message') { messages.push({ role: item.role, content: item.content }); continue }
    if (item.type === 'function_call_output') { messages.push({ role: 'tool', toolCallId: item.callId, content: item.output }); continue }
    const call: ToolCall = { id: item.callId, name: item.name, arguments: item.arguments }
    const last = messages[messages.length - 1]
    if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call]
    else messages.push({ role: 'assistant', content: '', toolCalls: [call] })
  }
  const tools = req.tools.length > 0
    ? {
        tools: req.tools.map(t => ({ name: t.name, ...(t.description != null ? { description: t.description } : {}), ...(t.parameters != null ? { parameters: t.parameters } : {}) })),
        toolChoice: req.toolChoice,
        ...(req.parallelToolCalls ? {} : { parallelToolCalls: false })
      }
    : {}
  const f = req.textFormat
  const responseFormat = f.type === 'text'
    ? {}
    : { responseFormat: f.type === 'json_object' ? { type: 'json_object' } : { type: 'json_schema', schema: f.schema, name: f.name, strict: f.strict } }
  return { model: req.model, ...req.sampling, messages, ...tools, ...responseFormat }
}
