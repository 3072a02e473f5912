/**
 * `POST /v1/messages`, Anthropic's Messages API, so Anthropic-API clients
 * and coding agents use the mesh's models. Every request runs as an
 * `llm.chat` task through `tasks.run`: routed, policy-checked and audited
 * like `mycel run`. Streams are Anthropic's named server-sent events
 * (`message_start`, `content_block_start`, `content_block_delta`,
 * `content_block_stop`, `message_delta`, `message_stop`); the headers go
 * out with the first text, so a request refused before any output still
 * gets its own status, and a later failure arrives as an `error` event.
 * Stop sequences travel with the task: the executor's runtime ends the
 * generation at the first one (`runtime/stop.ts`), so nothing after it is
 * generated, sent or counted in `usage`.
 */
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

type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence'

interface Generated {
  text: string
  stopReason: StopReason
  stopSequence: string | null
  usage: { input_tokens: number, output_tokens: number }
}

/**
 * Runs the chat, handing each piece of text to `onText`. A failover that
 * rewrites text already handed out fails (the client cannot take text back).
 */
async function generate (tasks: AnthropicModules['tasks'], req: MessagesRequest, signal: AbortSignal, onText: (text: string) => void): Promise<Generated> {
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
      input: { model: req.model, messages: req.messages, ...req.sampling, ...(req.stopSequences.length > 0 ? { stop: req.stopSequences } : {}) },
      priority: 'interactive',
      signal: AbortSignal.any([signal, local.signal]),
      onEvent
    })
    // a whole answer (no text events) arrives in the result
    const whole = typeof r.output === 'string' ? r.output : text
    if (whole.startsWith(text) && whole.length > text.length) { onText(whole.slice(text.length)); text = whole }
    return {
      text,
      stopReason: r.stopSequence != null ? 'stop_sequence' : r.finishReason === 'length' ? 'max_tokens' : 'end_turn',
      stopSequence: r.stopSequence ?? null,
      usage: { input_tokens: r.usage?.promptTokens ?? 0, output_tokens: r.usage?.completionTokens ?? 0 }
    }
  } catch (err) {
    throw local.signal.aborted ? local.signal.reason : err
  }
}

function message (id: string, model: string, content: unknown[], g: Pick<Generated, 'usage'> & { stopReason: StopReason | null, stopSequence: string | null }): unknown {
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: g.stopReason, stop_sequence: g.stopSequence, usage: g.usage }
}

async function streamed (tasks: AnthropicModules['tasks'], req: MessagesRequest, ctx: RouteContext, id: string): Promise<void> {
  const out = ctx.stream.sse(anthropicError, { named: true })
  const start = (): void => {
    if (out.started) return
    out.write({ type: 'message_start', message: message(id, req.model, [], { stopReason: null, stopSequence: null, usage: { input_tokens: 0, output_tokens: 0 } }) })
    out.write({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
  }
  try {
    const g = await generate(tasks, req, ctx.signal, (text) => {
      start()
      out.write({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })
    })
    start()
    out.write({ type: 'content_block_stop', index: 0 })
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
    const g = await generate(tasks, req, ctx.signal, () => {})
    return message(id, req.model, [{ type: 'text', text: g.text }], g)
  })
}
