/**
 * The OpenAI-compatible routes: every generation and embedding goes through
 * `router.run`, so it is routed, policy-checked and audited exactly like
 * `mycel run`. Streams follow OpenAI's server-sent events: `data: {chunk}`
 * lines and a final `data: [DONE]`. The SSE headers go out with the first
 * token, so a request refused before any output (unknown model, denial,
 * busy) still gets its proper status code; a failure after that arrives as
 * an `error` event, which OpenAI's clients raise. Tool calls the model made
 * come back as `tool_calls` with `finish_reason: "tool_calls"`; the API never
 * runs them.
 */
import { requestDataClass } from '../api/data-class-header.ts'
import { randomBytes } from 'node:crypto'
import type { ApiServer, RouteContext } from '../api/server.ts'
import type { NodeModule, SessionsModule, TasksModule } from '../api/modules.ts'
import { requestSession } from '../api/session-header.ts'
import { HttpError } from '../api/errors.ts'
import type { RouteEvent, RunResult, RunSpec } from '../tasks/index.ts'
import { openAiError } from './errors.ts'
import { parseChatRequest, parseCompletionRequest, parseEmbeddingsRequest, type ChatRequest, type GenerationRequest } from './requests.ts'
import { OpenAiRequestError } from './errors.ts'
import { listModels } from './models.ts'
import { openAiToolCall } from './tools.ts'
import { TOOL_ARGUMENTS_DELTA_CHARS } from './constants.ts'

/** What the routes need of the node: running tasks, and the members' cards for `/v1/models`. */
export interface OpenAiModules {
  tasks: Pick<TasksModule, 'run'>
  sessions: Pick<SessionsModule, 'turn'>
  node: Pick<NodeModule, 'caps'>
}

type Usage = { prompt_tokens: number, completion_tokens: number, total_tokens: number }

/** Usage of one task, or of the n tasks of one request (the prompt counted once, as OpenAI does). */
function usageOf (r: RunResult | RunResult[]): Usage {
  const all = Array.isArray(r) ? r : [r]
  const p = all[0]?.usage?.promptTokens ?? 0
  const c = all.reduce((sum, x) => sum + (x.usage?.completionTokens ?? 0), 0)
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c }
}

/** A choice's message: its text, and its tool calls when the model made any. */
function messageOf (r: RunResult): Record<string, unknown> {
  const text = String(r.output ?? '')
  const calls = r.toolCalls ?? []
  return calls.length > 0
    ? { role: 'assistant', content: text === '' ? null : text, refusal: null, tool_calls: calls.map(openAiToolCall) }
    : { role: 'assistant', content: text, refusal: null }
}

/**
 * The `n` choices of a request, one task each, run side by side (the
 * router spreads them over members and sequences). With a seed, choice i
 * samples with seed + i, so the choices differ but the request repeats.
 */
async function choices (tasks: OpenAiModules['tasks'], spec: RunSpec, n: number): Promise<RunResult[]> {
  if (n === 1) return [await tasks.run(spec)]
  const seed = (spec.input as { seed?: unknown }).seed
  return await Promise.all(Array.from({ length: n }, async (_, i) => await tasks.run({
    ...spec,
    input: { ...spec.input, ...(typeof seed === 'number' ? { seed: (seed + i) % 2 ** 32 } : {}) }
  })))
}

function finishReasonOf (r: RunResult): 'stop' | 'length' | 'tool_calls' {
  if ((r.toolCalls?.length ?? 0) > 0) return 'tool_calls'
  return r.finishReason === 'length' ? 'length' : 'stop'
}

/**
 * The deltas of a stream's tool calls, as OpenAI streams them: per call, one
 * delta with its index, id, type, name and empty arguments, then the
 * arguments in pieces. The mesh's output chunks carry text, so calls arrive
 * with the result and are split here (docs/decisions.md).
 */
function toolCallDeltas (r: RunResult): unknown[] {
  const deltas: unknown[] = []
  for (const [index, c] of (r.toolCalls ?? []).entries()) {
    deltas.push({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] })
    for (let at = 0; at < c.arguments.length; at += TOOL_ARGUMENTS_DELTA_CHARS) {
      deltas.push({ tool_calls: [{ index, function: { arguments: c.arguments.slice(at, at + TOOL_ARGUMENTS_DELTA_CHARS) } }] })
    }
  }
  return deltas
}

interface StreamShape {
  /** The chunk carrying a piece of text. */
  text: (text: string) => unknown
  /** Chunks sent before the first text (chat's role delta). */
  head?: () => unknown[]
  /** Chunks after the last text: the finish reason, then usage when asked for. */
  tail: (result: RunResult) => unknown[]
}

/** Runs a task and streams it as OpenAI SSE chunks (see the module comment). */
async function stream (tasks: OpenAiModules['tasks'], spec: RunSpec, ctx: RouteContext, shape: StreamShape): Promise<void> {
  const local = new AbortController()
  // at shutdown the server ends the stream with an OpenAI error event too
  const out = ctx.stream.sse(openAiError)
  const start = (): void => {
    if (out.started) return
    out.start()
    for (const c of shape.head?.() ?? []) out.write(c)
  }
  let diverged = false
  const onEvent = (e: RouteEvent): void => {
    if (diverged) return
    if (e.type === 'reset' && out.started) {
      // a failed-over executor wrote different text than was already sent, and SSE cannot take text back
      diverged = true
      local.abort(new HttpError('executor-failed', 'The executor failed mid-stream and its replacement produced different output'))
      return
    }
    if (e.type === 'text') { start(); out.write(shape.text(e.text)) }
  }
  try {
    const result = await tasks.run({ ...spec, signal: AbortSignal.any([ctx.signal, local.signal]), onEvent })
    start()
    for (const c of shape.tail(result)) out.write(c)
    out.end('data: [DONE]\n\n')
  } catch (err) {
    const e = local.signal.aborted ? local.signal.reason as Error : err
    if (!out.started) throw e
    out.fail(e)
  }
}

function newId (prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`
}

function generationInput (req: GenerationRequest): Record<string, unknown> {
  return { model: req.model, ...req.sampling }
}

/**
 * A chat in a session runs as one session turn: the node adds the history
 * and memory before the client's new messages. Plain text turns only: a
 * session keeps no tool calls, and one reply (`n` of 1).
 */
function sessionTasks (sessions: OpenAiModules['sessions'], session: string, req: ChatRequest): OpenAiModules['tasks'] {
  if (req.n !== 1) throw new OpenAiRequestError('unsupported-parameter', 'A session turn has one reply: n must be 1 with X-Mycel-Session', 'n')
  if (Object.keys(req.tools).length > 0 || req.messages.some(m => m.role === 'tool' || (m.role === 'assistant' && m.toolCalls != null))) {
    throw new OpenAiRequestError('unsupported-parameter', 'Tools are not supported in a session turn by Mycel (send the chat without X-Mycel-Session)', 'tools')
  }
  const messages = req.messages.map(m => ({ role: m.role as 'system' | 'user' | 'assistant', content: m.content ?? '' }))
  return {
    run: async (spec) => await sessions.turn({
      session,
      messages,
      model: req.model,
      sampling: req.sampling,
      ...(spec.dataClass != null ? { dataClass: spec.dataClass } : {}),
      ...(spec.priority != null ? { priority: spec.priority } : {}),
      ...(spec.signal != null ? { signal: spec.signal } : {}),
      ...(spec.onEvent != null ? { onEvent: spec.onEvent } : {})
    })
  }
}

export function registerOpenAiRoutes (api: ApiServer, { tasks, node, sessions }: OpenAiModules): void {
  api.route('GET', '/v1/models', async () => ({ object: 'list', data: listModels(node.caps()) }))

  api.route('GET', '/v1/models/:model', async ({ params }) => {
    const model = listModels(node.caps()).find(m => m.id === params.model)
    if (model == null) throw new HttpError('no-candidate', `No member offers the model "${params.model ?? ''}"`)
    return model
  })

  api.route('POST', '/v1/chat/completions', async (ctx) => {
    const req = parseChatRequest(ctx.body)
    const session = requestSession(ctx.req, ctx.body)
    const runner = session != null ? sessionTasks(sessions, session, req) : tasks
    const id = newId('chatcmpl')
    const created = Math.floor(Date.now() / 1000)
    const spec: RunSpec = { kind: 'llm.chat', model: req.model, input: { ...generationInput(req), messages: req.messages, ...req.tools }, priority: 'interactive', signal: ctx.signal, ...requestDataClass(ctx.req) }
    if (!req.stream) {
      const rs = await choices(runner, spec, req.n)
      return {
        id,
        object: 'chat.completion',
        created,
        model: req.model,
        choices: rs.map((r, index) => ({ index, message: messageOf(r), logprobs: null, finish_reason: finishReasonOf(r) })),
        usage: usageOf(rs),
        system_fingerprint: null
      }
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): unknown => ({ id, object: 'chat.completion.chunk', created, model: req.model, system_fingerprint: null, choices, ...extra })
    await stream(runner, spec, ctx, {
      head: () => [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])],
      text: (text) => chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]),
      tail: (r) => [
        ...toolCallDeltas(r).map(delta => chunk([{ index: 0, delta, logprobs: null, finish_reason: null }])),
        chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReasonOf(r) }]),
        ...(req.includeUsage ? [chunk([], { usage: usageOf(r) })] : [])
      ]
    })
  })

  api.route('POST', '/v1/completions', async (ctx) => {
    const req = parseCompletionRequest(ctx.body)
    const id = newId('cmpl')
    const created = Math.floor(Date.now() / 1000)
    const spec: RunSpec = { kind: 'llm.complete', model: req.model, input: { ...generationInput(req), prompt: req.prompt }, priority: 'interactive', signal: ctx.signal, ...requestDataClass(ctx.req) }
    const chunk = (text: string, finish: string | null, extra: Record<string, unknown> = {}): unknown =>
      ({ id, object: 'text_completion', created, model: req.model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], ...extra })
    if (!req.stream) {
      const rs = await choices(tasks, spec, req.n)
      const all = rs.map((r, index) => ({ index, text: String(r.output ?? ''), logprobs: null, finish_reason: finishReasonOf(r) }))
      return { id, object: 'text_completion', created, model: req.model, choices: all, usage: usageOf(rs), system_fingerprint: null }
    }
    await stream(tasks, spec, ctx, {
      text: (text) => chunk(text, null),
      tail: (r) => [
        chunk('', finishReasonOf(r)),
        ...(req.includeUsage ? [{ id, object: 'text_completion', created, model: req.model, choices: [], usage: usageOf(r) }] : [])
      ]
    })
  })

  api.route('POST', '/v1/embeddings', async ({ body, signal, req: http }) => {
    const req = parseEmbeddingsRequest(body)
    const r = await tasks.run({ kind: 'llm.embed', model: req.model, input: { model: req.model, input: req.input }, priority: 'interactive', signal, ...requestDataClass(http) })
    const vectors = Array.isArray(r.output) ? r.output : []
    if (vectors.length !== req.input.length) throw new HttpError('executor-failed', 'The executor returned a wrong number of embeddings')
    return {
      object: 'list',
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: encodeVector(v, req.encoding) })),
      model: req.model,
      usage: { prompt_tokens: r.usage?.promptTokens ?? 0, total_tokens: r.usage?.promptTokens ?? 0 }
    }
  })
}

/** A vector as OpenAI sends it: numbers, or base64 of little-endian float32 (what the official clients ask for). */
function encodeVector (v: unknown, encoding: 'float' | 'base64'): number[] | string {
  const numbers = ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : Array.isArray(v) ? v.map(Number) : []
  if (encoding === 'float') return numbers
  const f32 = new Float32Array(numbers)
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64')
}
