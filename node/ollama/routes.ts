/**
 * The Ollama API subset chat front-ends use: `/api/tags`, `/api/chat`,
 * `/api/generate`, `/api/embed`, `/api/ps`, `/api/version`. Generations and
 * embeddings run through `tasks.run` (routed, policy-checked, audited like
 * `mycel run`); `chat` and `generate` stream NDJSON by default, as Ollama
 * does, the status line waiting for the first text so a refusal keeps its
 * status, and a later failure is the last line, `{ error }`. `generate`
 * applies the model's chat template (an `llm.chat` task) unless `raw`.
 */
import { requestDataClass } from '../api/data-class-header.ts'
import type { ApiServer, RouteContext } from '../api/server.ts'
import type { NodeModule, TasksModule } from '../api/modules.ts'
import { HttpError } from '../api/errors.ts'
import type { RouteEvent, RunResult, RunSpec } from '../tasks/index.ts'
import { ollamaError } from './errors.ts'
import { parseOllamaChat, parseOllamaEmbed, parseOllamaGenerate, type OllamaGeneration } from './requests.ts'
import { OLLAMA_API_VERSION } from './constants.ts'

export interface OllamaModules {
  tasks: Pick<TasksModule, 'run' | 'list'>
  node: Pick<NodeModule, 'caps'>
}

interface CardModel { name?: unknown, sha256?: unknown, architecture?: unknown, parameters?: unknown, quantisation?: unknown }

/** One entry per model name members offer, in Ollama's shape. */
function tags (caps: Array<Record<string, unknown>>): unknown[] {
  const byName = new Map<string, unknown>()
  for (const card of caps) {
    for (const m of Array.isArray(card.models) ? card.models as CardModel[] : []) {
      if (typeof m.name !== 'string' || byName.has(m.name)) continue
      const family = typeof m.architecture === 'string' ? m.architecture : ''
      byName.set(m.name, {
        name: m.name,
        model: m.name,
        modified_at: new Date(0).toISOString(),
        size: 0,
        digest: typeof m.sha256 === 'string' ? m.sha256 : '',
        details: {
          parent_model: '',
          format: 'gguf',
          family,
          families: family !== '' ? [family] : null,
          parameter_size: typeof m.parameters === 'number' ? `${(m.parameters / 1e9).toFixed(1)}B` : '',
          quantization_level: typeof m.quantisation === 'string' ? m.quantisation : ''
        }
      })
    }
  }
  return [...byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v)
}

interface Piece { text: string }

/**
 * Runs a generation, streaming `line(text)` per piece and `last(result, text)`
 * at the end (NDJSON), or answering with `last` alone. Stop sequences
 * travel with the task: the executor's runtime ends the generation there.
 */
async function generation (tasks: OllamaModules['tasks'], spec: RunSpec, req: OllamaGeneration, ctx: RouteContext, line: (p: Piece) => unknown, last: (r: RunResult, text: string, stopped: boolean, ms: number) => unknown): Promise<unknown> {
  const started = Date.now()
  const local = new AbortController()
  let text = ''
  const out = req.stream ? ctx.stream.ndjson(ollamaError) : undefined
  const send = (piece: string): void => {
    if (piece === '') return
    text += piece
    out?.write(line({ text: piece }))
  }
  const onEvent = (e: RouteEvent): void => {
    if (local.signal.aborted) return
    if (e.type === 'reset') {
      if (text !== '') local.abort(new HttpError('executor-failed', 'The executor failed mid-stream and its replacement produced different output'))
      return
    }
    if (e.type === 'text') send(e.text)
  }
  try {
    const stop = req.stop.length > 0 ? { stop: req.stop } : {}
    const r = await tasks.run({ ...spec, input: { ...spec.input, ...stop }, signal: AbortSignal.any([ctx.signal, local.signal]), onEvent })
    // a whole answer (no text events) arrives in the result
    if (typeof r.output === 'string' && r.output.startsWith(text)) send(r.output.slice(text.length))
    const final = last(r, text, r.stopSequence != null, Date.now() - started)
    if (out == null) return final
    out.write(final)
    out.end()
  } catch (err) {
    const e = local.signal.aborted ? local.signal.reason : err
    if (out == null || !out.started) throw e
    out.fail(e)
  }
}

/** Ollama's closing counters; durations are in nanoseconds. */
function counters (r: RunResult, stopped: boolean, ms: number): Record<string, unknown> {
  const ns = Math.round(ms * 1e6)
  return {
    done: true,
    done_reason: !stopped && r.finishReason === 'length' ? 'length' : 'stop',
    total_duration: ns,
    load_duration: 0,
    prompt_eval_count: r.usage?.promptTokens ?? 0,
    prompt_eval_duration: 0,
    eval_count: r.usage?.completionTokens ?? 0,
    eval_duration: ns
  }
}

export function registerOllamaRoutes (api: ApiServer, { tasks, node }: OllamaModules): void {
  api.route('GET', '/api/version', async () => ({ version: OLLAMA_API_VERSION }))

  api.route('GET', '/api/tags', async () => ({ models: tags(node.caps()) }))

  // what runs now: the models of this node's unfinished tasks (Mycel loads models where tasks run, not here)
  api.route('GET', '/api/ps', async () => {
    const busy = new Set(tasks.list().filter(t => t.model != null && !['completed', 'failed', 'canceled', 'rejected'].includes(t.state)).map(t => t.model as string))
    const models = tags(node.caps()).filter(m => busy.has((m as { name: string }).name))
    return { models: models.map(m => ({ ...(m as object), expires_at: new Date(Date.now() + 5 * 60_000).toISOString(), size_vram: 0 })) }
  })

  api.route('POST', '/api/chat', async (ctx) => {
    const req = parseOllamaChat(ctx.body)
    const spec: RunSpec = { kind: 'llm.chat', model: req.model, input: { model: req.model, messages: req.messages, ...req.sampling }, priority: 'interactive', ...requestDataClass(ctx.req) }
    const at = (): string => new Date().toISOString()
    return await generation(tasks, spec, req, ctx,
      (p) => ({ model: req.model, created_at: at(), message: { role: 'assistant', content: p.text }, done: false }),
      (r, text, stopped, ms) => ({ model: req.model, created_at: at(), message: { role: 'assistant', content: req.stream ? '' : text }, ...counters(r, stopped, ms) }))
  })

  api.route('POST', '/api/generate', async (ctx) => {
    const req = parseOllamaGenerate(ctx.body)
    const spec: RunSpec = req.raw
      ? { kind: 'llm.complete', model: req.model, input: { model: req.model, prompt: req.prompt, ...req.sampling }, priority: 'interactive', ...requestDataClass(ctx.req) }
      : { kind: 'llm.chat', model: req.model, input: { model: req.model, messages: [...(req.system != null ? [{ role: 'system', content: req.system }] : []), { role: 'user', content: req.prompt }], ...req.sampling }, priority: 'interactive', ...requestDataClass(ctx.req) }
    const at = (): string => new Date().toISOString()
    return await generation(tasks, spec, req, ctx,
      (p) => ({ model: req.model, created_at: at(), response: p.text, done: false }),
      (r, text, stopped, ms) => ({ model: req.model, created_at: at(), response: req.stream ? '' : text, ...counters(r, stopped, ms), context: [] }))
  })

  api.route('POST', '/api/embed', async ({ body, signal, req: http }) => {
    const req = parseOllamaEmbed(body)
    const started = Date.now()
    const r = await tasks.run({ kind: 'llm.embed', model: req.model, input: { model: req.model, input: req.input }, priority: 'interactive', signal, ...requestDataClass(http) })
    const vectors = Array.isArray(r.output) ? r.output : []
    if (vectors.length !== req.input.length) throw new HttpError('executor-failed', 'The executor returned a wrong number of embeddings')
    return {
      model: req.model,
      embeddings: vectors.map(v => ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : Array.isArray(v) ? v.map(Number) : []),
      total_duration: Math.round((Date.now() - started) * 1e6),
      load_duration: 0,
      prompt_eval_count: r.usage?.promptTokens ?? 0
    }
  })
}
