/**
 * `POST /v1/responses`, OpenAI's Responses API, which the OpenAI Agents SDK
 * uses by default. Every request runs as an `llm.chat` task through
 * `tasks.run`: routed, policy-checked and audited like `mycel run`, on the
 * same server and token as `/v1/chat/completions`. Stateless: nothing is
 * stored, so `GET /v1/responses/:id` and `previous_response_id` have
 * nothing to find (404, 400).
 *
 * Streams are named server-sent events (`output.ts`). As with chat
 * completions, the headers go out with the first text, so a request refused
 * before any output (unknown model, denial, busy) gets its own status; a
 * failure after that is an `error` event, which OpenAI's clients raise.
 */
import { requestDataClass } from '../api/data-class-header.ts'
import type { ApiServer, RouteContext } from '../api/server.ts'
import type { TasksModule } from '../api/modules.ts'
import { HttpError } from '../api/errors.ts'
import type { RouteEvent, RunResult, RunSpec } from '../tasks/index.ts'
import { openAiError } from '../openai/index.ts'
import { parseResponsesRequest, type ResponsesRequest } from './requests.ts'
import { ResponseOutput, type Produced } from './output.ts'
import { chatInput } from './chat-input.ts'

export interface ResponsesModules {
  tasks: Pick<TasksModule, 'run'>
}

function produced (r: RunResult): Produced {
  return { text: typeof r.output === 'string' ? r.output : '', calls: r.toolCalls ?? [], ...(r.finishReason != null ? { finishReason: r.finishReason } : {}), ...(r.usage != null ? { usage: r.usage } : {}) }
}

async function streamed (tasks: ResponsesModules['tasks'], req: ResponsesRequest, spec: RunSpec, ctx: RouteContext): Promise<void> {
  const local = new AbortController()
  // the Responses stream's error event: OpenAI's clients raise it as an APIError with this code and message
  const out = ctx.stream.sse((err) => ({ ...openAiError(err).error, type: 'error', sequence_number: response.nextSequence() }), { named: true })
  const response: ResponseOutput = new ResponseOutput(req, (event) => { out.write(event) })
  const begin = (): void => { if (!out.started) response.begin() }
  const onEvent = (e: RouteEvent): void => {
    if (local.signal.aborted) return
    if (e.type === 'reset' && out.started) {
      // a failed-over executor wrote different text than was already sent, and a stream cannot take text back
      local.abort(new HttpError('executor-failed', 'The executor failed mid-stream and its replacement produced different output'))
      return
    }
    if (e.type === 'text') { begin(); response.delta(e.text) }
  }
  try {
    const r = await tasks.run({ ...spec, signal: AbortSignal.any([ctx.signal, local.signal]), onEvent })
    begin()
    response.finish(produced(r))
    out.end()
  } catch (err) {
    const e = local.signal.aborted ? local.signal.reason as Error : err
    if (!out.started) throw e
    out.fail(e)
  }
}

export function registerResponsesRoutes (api: ApiServer, { tasks }: ResponsesModules): void {
  api.route('POST', '/v1/responses', async (ctx) => {
    const req = parseResponsesRequest(ctx.body)
    const spec: RunSpec = { kind: 'llm.chat', model: req.model, input: chatInput(req), priority: 'interactive', signal: ctx.signal, ...requestDataClass(ctx.req) }
    if (req.stream) { await streamed(tasks, req, spec, ctx); return }
    return new ResponseOutput(req).finish(produced(await tasks.run(spec)))
  })

  // nothing is stored (see the module comment): say so in OpenAI's shape rather than "no route"
  api.route('GET', '/v1/responses/:id', async ({ params }) => {
    throw new HttpError('not-found', `No response "${(params.id ?? '').slice(0, 64)}": Mycel keeps no responses (store: false)`)
  })
}
