/**
 * The Response object and the stream of events that builds it, in the order
 * OpenAI's clients expect (https://platform.openai.com/docs/api-reference/responses-streaming):
 * `response.created`, `response.in_progress`, then per output item
 * `response.output_item.added`, its parts and deltas
 * (`response.content_part.added`, `response.output_text.delta`, ...,
 * `response.function_call_arguments.delta`, ...), `response.output_item.done`,
 * and last `response.completed` (or `response.incomplete` when the token
 * limit cut the text). Every event carries a `sequence_number`.
 *
 * @example
 * const out = new ResponseOutput(req)
 * out.begin()                   // created, in_progress
 * out.text('Hel'); out.text('lo') // item and part added, then deltas
 * out.finish(result)            // text done, item done, completed
 */
import { randomBytes } from 'node:crypto'
import type { FunctionTool, ResponsesRequest } from './requests.ts'

/** What the task produced, as the Response reports it. */
export interface Produced {
  text: string
  /** Function calls the model made, in order (`id` becomes the item's `call_id`; arguments are a JSON text). */
  calls: Array<{ id: string, name: string, arguments: string }>
  finishReason?: string
  usage?: { promptTokens: number, completionTokens: number }
}

type Item = Record<string, unknown> & { id: string, type: string }

export function newId (prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`
}

function toolJson (t: FunctionTool): unknown {
  return { type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict }
}

function formatJson (req: ResponsesRequest): unknown {
  const f = req.textFormat
  if (f.type !== 'json_schema') return { format: f }
  return { format: { type: 'json_schema', name: f.name, schema: f.schema, strict: f.strict, description: f.description ?? null } }
}

export class ResponseOutput {
  readonly id = newId('resp')
  private readonly createdAt = Math.floor(Date.now() / 1000)
  private readonly req: ResponsesRequest
  private readonly emit: (event: Record<string, unknown>) => void
  private seq = 0
  private readonly items: Item[] = []
  private message: Item | undefined
  private text = ''

  /** `emit` receives each stream event; leave it out to build only the final object. */
  constructor (req: ResponsesRequest, emit: (event: Record<string, unknown>) => void = () => {}) {
    this.req = req
    this.emit = emit
  }

  /** The next event's sequence number, taken (for an error event written by the caller). */
  nextSequence (): number {
    return this.seq++
  }

  private send (type: string, fields: Record<string, unknown>): void {
    this.emit({ type, sequence_number: this.nextSequence(), ...fields })
  }

  begin (): void {
    const response = this.object('in_progress', null)
    this.send('response.created', { response })
    this.send('response.in_progress', { response })
  }

  /** A piece of the assistant's text; the message item opens with the first. */
  delta (piece: string): void {
    if (piece === '') return
    const item = this.openMessage()
    this.text += piece
    this.send('response.output_text.delta', { item_id: item.id, output_index: this.items.indexOf(item), content_index: 0, delta: piece, logprobs: [] })
  }

  /** Closes the text, adds the function calls, and ends with `response.completed` or `response.incomplete`; returns the final object. */
  finish (p: Produced): Record<string, unknown> {
    // text the stream did not carry (a whole answer) arrives here in one piece
    if (p.text.startsWith(this.text)) this.delta(p.text.slice(this.text.length))
    if (this.message != null || p.calls.length === 0) this.closeMessage()
    for (const call of p.calls) this.functionCall(call)
    const incomplete = p.finishReason === 'length'
    const response = this.object(incomplete ? 'incomplete' : 'completed', p.usage ?? { promptTokens: 0, completionTokens: 0 })
    this.send(incomplete ? 'response.incomplete' : 'response.completed', { response })
    return response
  }

  private openMessage (): Item {
    if (this.message != null) return this.message
    const item: Item = { id: newId('msg'), type: 'message', status: 'in_progress', role: 'assistant', content: [] }
    this.message = item
    this.items.push(item)
    const at = { output_index: this.items.length - 1 }
    this.send('response.output_item.added', { ...at, item: { ...item, content: [] } })
    this.send('response.content_part.added', { item_id: item.id, ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
    return item
  }

  private closeMessage (): void {
    const item = this.openMessage()
    const at = { item_id: item.id, output_index: this.items.indexOf(item), content_index: 0 }
    const part = { type: 'output_text', text: this.text, annotations: [] }
    this.send('response.output_text.done', { ...at, text: this.text, logprobs: [] })
    this.send('response.content_part.done', { ...at, part })
    item.status = 'completed'
    item.content = [part]
    this.send('response.output_item.done', { output_index: at.output_index, item })
  }

  private functionCall (call: Produced['calls'][number]): void {
    const item: Item = { id: newId('fc'), type: 'function_call', status: 'in_progress', call_id: call.id, name: call.name, arguments: '' }
    this.items.push(item)
    const at = { item_id: item.id, output_index: this.items.length - 1 }
    this.send('response.output_item.added', { output_index: at.output_index, item: { ...item } })
    this.send('response.function_call_arguments.delta', { ...at, delta: call.arguments })
    this.send('response.function_call_arguments.done', { ...at, name: call.name, arguments: call.arguments })
    item.arguments = call.arguments
    item.status = 'completed'
    this.send('response.output_item.done', { output_index: at.output_index, item })
  }

  private object (status: 'in_progress' | 'completed' | 'incomplete', usage: Produced['usage'] | null): Record<string, unknown> {
    const r = this.req
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      background: false,
      error: null,
      incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
      instructions: r.instructions,
      max_output_tokens: r.sampling.maxTokens ?? null,
      model: r.model,
      output: status === 'in_progress' ? [] : this.items.map(i => ({ ...i })),
      parallel_tool_calls: r.parallelToolCalls,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: r.sampling.temperature ?? 0,
      text: formatJson(r),
      tool_choice: typeof r.toolChoice === 'string' ? r.toolChoice : { type: 'function', name: r.toolChoice.name },
      tools: r.tools.map(toolJson),
      top_p: r.sampling.topP ?? 1,
      truncation: 'disabled',
      usage: usage == null
        ? null
        : {
            input_tokens: usage.promptTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: usage.completionTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.promptTokens + usage.completionTokens
          },
      user: null,
      metadata: r.metadata
    }
  }
}
