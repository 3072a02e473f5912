import type { Command, CommandContext } from '../command.ts'
import type { SessionTurnRequestBody } from '../../api/session-body.ts'
import { streamTurn } from '../session-turn.ts'
import { sessionTurnFields } from './session-options.ts'
import { ApiClient } from '../../api/client.ts'
import { RunFailedError, UsageError } from '../errors.ts'
import { parseInteger, parseNumber } from '../parse.ts'
import { table } from '../output.ts'
import { DATA_CLASSES } from '../../../protocol/task/messages.ts'
import type { TaskSummary } from '../../tasks/index.ts'
import type { TaskRequestBody, TaskResultEvent } from '../../api/task-stream.ts'
import { MalformedApiResponseError } from '../../api/errors.ts'
import { resolvePeer } from '../peer-ref.ts'

export { RunFailedError }

export const run: Command = {
  path: ['run'],
  summary: 'Delegate a task to the mesh (or run it here) and stream its output',
  usage: '[--session S] [--peer PEER] [--local] [--kind K] [--model M [--model-sha256 HEX]] [--max-tokens N] [--temperature T] [--seed S] [--class C] PROMPT',
  options: {
    peer: { type: 'string', help: 'Run on this member only (peer id or name)' },
    local: { type: 'boolean', help: 'Run on this node' },
    kind: { type: 'string', help: 'Task kind (default llm.complete, or echo when no model is known)' },
    model: { type: 'string', help: 'Model name (default: the first model a member offers)' },
    'model-sha256': { type: 'string', help: 'Pin the model file by digest: a member holding another file under that name refuses' },
    'max-tokens': { type: 'string', help: 'Most tokens to generate' },
    temperature: { type: 'string', help: 'Sampling temperature; 0 is greedy and deterministic (default 0)' },
    seed: { type: 'string', help: 'Sampling seed' },
    class: { type: 'string', help: `Data class: ${DATA_CLASSES.join(', ')} (default internal; a session's local-only)` },
    session: { type: 'string', help: 'Continue this chat session (or start it): the node adds its history and memory' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const v = args.values
    const prompt = args.positionals[0] as string
    const dataClass = v.class as string | undefined
    if (dataClass != null && !(DATA_CLASSES as readonly string[]).includes(dataClass)) throw new UsageError(`--class must be one of ${DATA_CLASSES.join(', ')}`)
    if (v.peer != null && v.local === true) throw new UsageError('--peer and --local exclude each other')
    const api = await ApiClient.fromHome(ctx.home)
    if (v.session != null) {
      if (v.kind != null && v.kind !== 'llm.chat') throw new UsageError('--session runs llm.chat turns; drop --kind')
      await sessionRun(ctx, api, v.session as string, prompt, await sessionTurnFields(api, v, ctx.signal), v.local === true)
      return
    }
    const peer = v.peer != null ? await resolvePeer(api, v.peer as string, ctx.signal) : undefined
    let kind = v.kind as string | undefined
    let model = v.model as string | undefined
    if (kind == null || (kind.startsWith('llm.') && model == null)) {
      // pick a model some member offers, so `mycel run "…"` works without flags
      const caps = await api.get<Array<{ models: Array<{ name: string }> }>>('/api/caps', ctx.signal)
      model ??= caps.flatMap(c => c.models.map(m => m.name))[0]
      kind ??= model != null ? 'llm.complete' : 'echo'
      if (kind.startsWith('llm.') && model == null) throw new UsageError('No member offers a model; add one with `mycel models add FILE` or pass --kind echo')
    }
    const input: Record<string, unknown> = kind === 'memory.search' ? { query: prompt } : kind === 'memory.ask' ? { question: prompt } : kind === 'llm.chat'
      ? { model, messages: [{ role: 'user', content: prompt }] }
      : kind === 'llm.embed' ? { model, input: [prompt] } : kind.startsWith('llm.') ? { model, prompt } : { prompt }
    if (v['max-tokens'] != null) input.maxTokens = parseInteger(v['max-tokens'] as string, '--max-tokens', { min: 1, max: 1_000_000 })
    if (v.temperature != null) input.temperature = parseNumber(v.temperature as string, '--temperature', { min: 0, max: 5 })
    if (v['model-sha256'] != null) {
      const pin = (v['model-sha256'] as string).trim().toLowerCase()
      if (!/^[0-9a-f]{64}$/.test(pin)) throw new UsageError('--model-sha256 takes 64 hex digits')
      if (!kind.startsWith('llm.')) throw new UsageError('--model-sha256 pins the model of an llm.* task')
      input.modelSha256 = pin
    }
    if (v.seed != null) input.seed = parseInteger(v.seed as string, '--seed', { min: 0, max: 2 ** 32 - 1 })
    const request: TaskRequestBody = {
      kind,
      input,
      ...(model != null && kind.startsWith('llm.') ? { model } : {}),
      ...(dataClass != null ? { dataClass: dataClass as NonNullable<TaskRequestBody['dataClass']> } : {}),
      ...(peer != null ? { peer } : {}),
      ...(v.local === true ? { local: true } : {})
    }
    let result: TaskResultEvent | undefined
    let streamed = false
    for await (const e of api.runTask(request, ctx.signal)) {
      if (e.type === 'text' && !ctx.json) { ctx.out.write(e.text); streamed = true }
      else if (e.type === 'failover') ctx.out.error(`\n[executor ${e.from} failed (${e.reason}); failing over]`)
      else if (e.type === 'reset' && !ctx.json) ctx.out.error('\n[output restarts]')
      else if (e.type === 'error') throw new RunFailedError(e.error.wire, e.error.message, e.error.retryAfterMs)
      else if (e.type === 'result') result = e
    }
    if (result == null) throw new MalformedApiResponseError('The node closed the stream without a result')
    if (ctx.json) {
      ctx.out.json({ taskId: result.taskId, executor: result.executor, output: result.output, usage: result.usage ?? null })
      return
    }
    if (!streamed && typeof result.output !== 'string') ctx.out.write(JSON.stringify(result.output))
    ctx.out.line()
    ctx.out.error(`[task ${result.taskId} ran on ${result.executor}]`)
  }
}

/** `mycel run --session S PROMPT`: one turn of a session, printed as a run is. */
async function sessionRun (ctx: CommandContext, api: ApiClient, session: string, prompt: string, fields: Omit<SessionTurnRequestBody, 'session' | 'messages'>, local: boolean): Promise<void> {
  const body: SessionTurnRequestBody = { ...fields, ...(local ? { local: true } : {}), session, messages: [{ role: 'user', content: prompt }] }
  const result = await streamTurn(api, body, ctx.signal, { ...(ctx.json ? {} : { onText: (t: string) => { ctx.out.write(t) } }), onNote: (n) => { ctx.out.error(`\n${n}`) } })
  if (ctx.json) {
    ctx.out.json({ session: result.session ?? session, taskId: result.taskId, executor: result.executor, output: result.output, usage: result.usage ?? null })
    return
  }
  ctx.out.line()
  ctx.out.error(`[session ${result.session ?? session}, task ${result.taskId} ran on ${result.executor}]`)
}

export const tasks: Command = {
  path: ['tasks'],
  summary: 'List recent tasks (sent, received and local) with state and executor',
  async run (ctx) {
    const list = await (await ApiClient.fromHome(ctx.home)).get<TaskSummary[]>('/api/tasks', ctx.signal)
    if (ctx.json) { ctx.out.json(list); return }
    if (list.length === 0) { ctx.out.line('No tasks yet.'); return }
    ctx.out.line(table(list.map(t => ({ ...t, created: new Date(t.createdAt).toISOString().slice(11, 19) })), ['taskId', 'kind', 'role', 'state', 'executor', 'created']))
  }
}
