/**
 * `POST /v1/messages`, Anthropic's Messages API, so Anthropic-API clients
 * and coding agents use the mesh's models. Every request runs as an
 * `llm.chat` task through `tasks.run`: routed, policy-checked and audited
 * like `mycel run`. Streams are Anthropic's named server-sent events
 * (`message_start`, `content_block_start`, `content_block_delta`,
 * `content_block_stop`, `message_delta`, `message_stop`); the headers go
 * out with the first text, so a request refused before any output still
 * gets its own status, and a later failure arrives as an `error` event.
 * Client tools run through `llm.chat`'s function calling (`tools.ts`); the
 * model's calls come back as `tool_use` blocks with `stop_reason:
 * "tool_use"`, streamed as `input_json_delta`s. Stop sequences travel with the task: the executor's runtime ends the
 * generation at the first one (`runtime/stop.ts`), so nothing after it is
 * generated, sent or counted in `usage`.
 */
import { requestDataClass } from '../api/data-class-header.ts'
import { randomBytes } from 'node:crypto'
import type { ApiServer, RouteContext } from '../api/server.ts'
import type { TasksModule } from '../api/modules.ts'
import { HttpError } from '../api/errors.ts'
import type { RouteEvent } from '../tasks/index.ts'
import { anthropicError } from './errors.ts'
import { parseMessagesRequest, type MessagesRequest } from './requests.ts'

export interface AnthropicModules {
  tasks: Pick<TasksModule, 'run'>
}

type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use'

interface Generated {
  text: string
  /** The model's calls, as `tool_use` blocks take them (`input` parsed from the call's JSON arguments). */
  calls: Array<{ id: string, name: string, input: unknown }>
  stopReason: StopReason
  stopSequence: string | null
  usage: { input_tokens: number, output_tokens: number }
}

/**
 * Runs the chat, handing each piece of text to `onText`. A failover that
 * rewrites text already handed out fails (the client cannot take text back).
 */
async function generate (tasks: AnthropicModules['tasks'], req: MessagesRequest, ctx: Pick<RouteContext, 'signal' | 'req'>, onText: (text: string) => void): Promise<Generated> {
  const local = new AbortController()
  let text = ''
  const onEvent = (e: RouteEvent): void => {
    if (local.signal.aborted) return
    if (e.type === 'reset') {
      if (text !== '') local.abort(new HttpError('executor-failed', 'The executor failed mid-stream and its replacement produced different output'))
      return
    }
    if (e.type !== 'text' || e.text === '') return
    text += e.text
    onText(e.text)
  }
  try {
    const r = await tasks.run({
      kind: 'llm.chat',
      model: req.model,
      input: { model: req.model, messages: req.messages, ...req.sampling, ...(req.stopSequences.length > 0 ? { stop: req.stopSequences } : {}), ...req.tools },
      priority: 'interactive',
      signal: AbortSignal.any([ctx.signal, local.signal]),
      onEvent,
      ...requestDataClass(ctx.req)
    })
    // a whole answer (no text events) arrives in the result
    const whole = typeof r.output === 'string' ? r.output : text
    if (whole.startsWith(text) && whole.length > text.length) { onText(whole.slice(text.length)); text = whole }
    const calls = (r.toolCalls ?? []).map(c => ({ id: c.id, name: c.name, input: parseArguments(c.arguments) }))
    return {
      text,
      calls,
      stopReason: calls.length > 0 ? 'tool_use' : r.stopSequence != null ? 'stop_sequence' : r.finishReason === 'length' ? 'max_tokens' : 'end_turn',
      stopSequence: r.stopSequence ?? null,
      usage: { input_tokens: r.usage?.promptTokens ?? 0, output_tokens: r.usage?.completionTokens ?? 0 }
    }
  } catch (err) {
    throw local.signal.aborted ? local.signal.reason : err
  }
}

/** A call's arguments as the `input` object Anthropic's clients expect (the executor's grammar made them JSON; anything else is a failed executor). */
function parseArguments (args: string): unknown {
  try {
    const input: unknown = JSON.parse(args)
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) return input
  } catch {}
  throw new HttpError('executor-failed', 'The executor returned a tool call whose arguments are not a JSON object')
}

/** The answer's content blocks: the text (left out when the answer is only calls), then a `tool_use` block per call. */
function blocks (g: Pick<Generated, 'text' | 'calls'>): unknown[] {
  return [
    ...(g.text !== '' || g.calls.length === 0 ? [{ type: 'text', text: g.text }] : []),
    ...g.calls.map(c => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input }))
  ]
}

function message (id: string, model: string, content: unknown[], g: Pick<Generated, 'usage'> & { stopReason: StopReason | null, stopSequence: string | null }): unknown {
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: g.stopReason, stop_sequence: g.stopSequence, usage: g.usage }
}

async function streamed (tasks: AnthropicModules['tasks'], req: MessagesRequest, ctx: RouteContext, id: string): Promise<void> {
  const out = ctx.stream.sse(anthropicError, { named: true })
  let textOpen = false
  const start = (): void => {
    if (out.started) return
    out.write({ type: 'message_start', message: message(id, req.model, [], { stopReason: null, stopSequence: null, usage: { input_tokens: 0, output_tokens: 0 } }) })
  }
  const openText = (): void => {
    start()
    if (textOpen) return
    textOpen = true
    out.write({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
  }
  try {
    const g = await generate(tasks, req, ctx, (text) => {
      openText()
      out.write({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })
    })
    start()
    if (textOpen || g.calls.length === 0) {
      openText()
      out.write({ type: 'content_block_stop', index: 0 })
    }
    // each call is one block: its input arrives as one input_json_delta (the executor sends calls whole)
    g.calls.forEach((c, i) => {
      const index = i + (textOpen ? 1 : 0)
      out.write({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } })
      out.write({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(c.input) } })
      out.write({ type: 'content_block_stop', index })
    })
    out.write({ type: 'message_delta', delta: { stop_reason: g.stopReason, stop_sequence: g.stopSequence }, usage: g.usage })
    out.write({ type: 'message_stop' })
    out.end()
  } catch (err) {
    if (!out.started) throw err
    out.fail(err)
  }
}

export function registerAnthropicRoutes (api: ApiServer, { tasks }: AnthropicModules): void {
  api.route('POST', '/v1/messages', async (ctx) => {
    const req = parseMessagesRequest(ctx.body)
    const id = `msg_${randomBytes(12).toString('hex')}`
    if (req.stream) { await streamed(tasks, req, ctx, id); return }
    const g = await generate(tasks, req, ctx, () => {})
    return message(id, req.model, blocks(g), g)
  })
}
