/**
 * `mycel agent create|ls|show|rm|run`: agent profiles on the running node
 * (each with its own key, certified by the node), and running one as an
 * `agent.run` task, here or on the member `--peer` names. A run streams
 * its events (JSON Lines, docs/agents.md) and prints them as it goes;
 * `--json` prints the final output (answer, stop reason, steps, trace).
 */
import type { Command } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import { parseAgentList, parseAgentProfile } from '../../api/agent-routes.ts'
import { MalformedApiResponseError } from '../../api/errors.ts'
import type { TaskResultEvent } from '../../api/task-stream.ts'
import { parseEventLines, type AgentEvent, type AgentProfile } from '../../agents/index.ts'
import { UsageError } from '../errors.ts'
import { table } from '../output.ts'
import { parseDuration, parseInteger, stringList } from '../parse.ts'
import { resolvePeer } from '../peer-ref.ts'
import { RunFailedError } from './run.ts'

/** `--tools a --tools b` or `--tools a,b`. */
function patterns (v: unknown): string[] {
  return stringList(v).flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
}

export const agentCreate: Command = {
  path: ['agent', 'create'],
  summary: 'Create an agent: a model, a system prompt, the tools it may use and its budget',
  usage: 'NAME --model M [--system TEXT] [--description TEXT] [--tools PATTERN...] [--collections C...] [--max-steps N] [--max-tokens N] [--timeout D] [--quarantine] [--tool-choice auto|required]',
  options: {
    model: { type: 'string', help: 'The model it plans with (a model of the mesh)' },
    system: { type: 'string', help: 'Its system prompt' },
    description: { type: 'string', help: 'What it is for (shown to peers in the card)' },
    tools: { type: 'string', multiple: true, help: 'Tool patterns it may call, e.g. fs.* (repeatable or comma-separated); mycel.delegate_agent and mycel.ask_model delegate' },
    collections: { type: 'string', multiple: true, help: 'Memory collections it may read (repeatable or comma-separated)' },
    'max-steps': { type: 'string', help: 'Model steps per run (default 8)' },
    'max-tokens': { type: 'string', help: 'Model tokens per run, all steps (default 16384)' },
    timeout: { type: 'string', help: 'Wall time per run, e.g. 90s, 5m (default 2m)' },
    quarantine: { type: 'boolean', help: 'Tool and document text reaches the planner only through a tool-less reader' },
    'tool-choice': { type: 'string', help: '"auto" (default) or "required": every step is a call, so a run ends at its budget' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, a) {
    const v = a.values
    if (v.model == null) throw new UsageError('--model is required (see `mycel models ls`)')
    const choice = v['tool-choice']
    if (choice != null && choice !== 'auto' && choice !== 'required') throw new UsageError('--tool-choice must be "auto" or "required"')
    const body = {
      name: a.positionals[0],
      model: v.model,
      ...(v.system != null ? { system: v.system } : {}),
      ...(v.description != null ? { description: v.description } : {}),
      tools: patterns(v.tools),
      collections: patterns(v.collections),
      ...(v['max-steps'] != null ? { maxSteps: parseInteger(v['max-steps'] as string, '--max-steps', { min: 1, max: 256 }) } : {}),
      ...(v['max-tokens'] != null ? { maxTokens: parseInteger(v['max-tokens'] as string, '--max-tokens', { min: 1, max: 10_000_000 }) } : {}),
      ...(v.timeout != null ? { timeoutMs: parseDuration(v.timeout as string, '--timeout') } : {}),
      ...(v.quarantine === true ? { quarantine: true } : {}),
      ...(choice != null ? { toolChoice: choice } : {})
    }
    const api = await ApiClient.fromHome(ctx.home)
    const profile = parseAgentProfile(await api.post('/api/agents', body, ctx.signal))
    if (ctx.json) { ctx.out.json(profile); return }
    ctx.out.line(`Created agent ${profile.name} (model ${profile.model}, key ${profile.publicKey.slice(0, 16)}…)`)
  }
}

export const agentList: Command = {
  path: ['agent', 'ls'],
  summary: 'List this node\'s agents',
  async run (ctx) {
    const list = parseAgentList(await (await ApiClient.fromHome(ctx.home)).get('/api/agents', ctx.signal))
    if (ctx.json) { ctx.out.json(list); return }
    if (list.length === 0) { ctx.out.line('No agents yet (mycel agent create NAME --model M).'); return }
    ctx.out.line(table(list.map(p => ({ name: p.name, model: p.model, tools: p.tools.join(',') || '-', steps: p.budget.maxSteps, tokens: p.budget.maxTokens, quarantine: p.quarantine })), ['name', 'model', 'tools', 'steps', 'tokens', 'quarantine']))
  }
}

export const agentShow: Command = {
  path: ['agent', 'show'],
  summary: 'Show one agent\'s profile',
  usage: 'NAME',
  positionals: { min: 1, max: 1 },
  async run (ctx, a) {
    const p = parseAgentProfile(await (await ApiClient.fromHome(ctx.home)).get(`/api/agents/${encodeURIComponent(a.positionals[0] as string)}`, ctx.signal))
    if (ctx.json) { ctx.out.json(p); return }
    ctx.out.line(describe(p))
  }
}

export const agentRemove: Command = {
  path: ['agent', 'rm'],
  summary: 'Remove an agent and its key',
  usage: 'NAME',
  positionals: { min: 1, max: 1 },
  async run (ctx, a) {
    const p = parseAgentProfile(await (await ApiClient.fromHome(ctx.home)).delete(`/api/agents/${encodeURIComponent(a.positionals[0] as string)}`, ctx.signal))
    if (ctx.json) { ctx.out.json(p); return }
    ctx.out.line(`Removed agent ${p.name}`)
  }
}

export const agentRun: Command = {
  path: ['agent', 'run'],
  summary: 'Run an agent on a goal (here, or on the member --peer names) and stream its steps',
  usage: 'NAME GOAL [--peer PEER] [--max-steps N] [--max-tokens N] [--timeout D]',
  options: {
    peer: { type: 'string', help: 'Run the agent of that member (peer id or name)' },
    'max-steps': { type: 'string', help: 'Fewer steps than the profile allows' },
    'max-tokens': { type: 'string', help: 'Fewer tokens than the profile allows' },
    timeout: { type: 'string', help: 'Less wall time than the profile allows' }
  },
  positionals: { min: 2, max: 2 },
  async run (ctx, a) {
    const v = a.values
    const api = await ApiClient.fromHome(ctx.home)
    const peer = v.peer != null ? await resolvePeer(api, v.peer as string, ctx.signal) : undefined
    const budget = {
      ...(v['max-steps'] != null ? { maxSteps: parseInteger(v['max-steps'] as string, '--max-steps', { min: 1, max: 256 }) } : {}),
      ...(v['max-tokens'] != null ? { maxTokens: parseInteger(v['max-tokens'] as string, '--max-tokens', { min: 1, max: 10_000_000 }) } : {}),
      ...(v.timeout != null ? { timeoutMs: parseDuration(v.timeout as string, '--timeout') } : {})
    }
    const input = { agent: a.positionals[0], goal: a.positionals[1], ...(Object.keys(budget).length > 0 ? { budget } : {}) }
    let result: TaskResultEvent | undefined
    let pending = ''
    for await (const e of api.runTask({ kind: 'agent.run', input, ...(peer != null ? { peer } : { local: true }) }, ctx.signal)) {
      if (e.type === 'text') {
        pending += e.text
        const nl = pending.lastIndexOf('\n')
        if (nl < 0) continue
        if (!ctx.json) for (const ev of parseEventLines(pending.slice(0, nl))) ctx.out.error(eventText(ev))
        pending = pending.slice(nl + 1)
      } else if (e.type === 'reset' && !ctx.json) ctx.out.error('[the run restarts on another member]')
      else if (e.type === 'error') throw new RunFailedError(e.error.wire, e.error.message, e.error.retryAfterMs)
      else if (e.type === 'result') result = e
    }
    if (result == null) throw new MalformedApiResponseError('The node closed the stream without a result')
    const out = result.output as { answer?: unknown, stop?: unknown, steps?: unknown } | undefined
    if (ctx.json) { ctx.out.json({ taskId: result.taskId, executor: result.executor, ...(typeof out === 'object' && out != null ? out : {}) }); return }
    if (typeof out?.answer === 'string') ctx.out.line(out.answer)
    ctx.out.error(`[agent ${String(input.agent)} stopped: ${String(out?.stop)} after ${String(out?.steps)} steps; task ${result.taskId} on ${result.executor}]`)
  }
}

function eventText (e: AgentEvent): string {
  switch (e.event) {
    case 'start': return `[start ${e.agent}: ${e.budget.maxSteps} steps, ${e.budget.maxTokens} tokens, ${e.budget.timeoutMs} ms]`
    case 'step': return `[step ${e.step} (${e.tokens} tokens used)]`
    case 'tool_call': return `[  call ${e.tool} args ${e.args.slice(0, 12)}]`
    case 'tool_result': return `[  ${e.isError ? 'error' : 'result'} of ${e.tool} from ${e.node}: ${e.size} chars, ${e.digest.slice(0, 12)}${e.code != null ? ` (${e.code})` : ''}]`
    case 'delegation': return `[  delegate ${e.kind} to ${e.agent ?? e.model ?? ''} on ${e.peer}]`
    case 'refused': return `[  refused ${e.tool}: ${e.reason}]`
    case 'final': return `[final: ${e.stop}, ${e.steps} steps, ${e.tokens} tokens]`
  }
}

function describe (p: AgentProfile): string {
  return [
    `name:        ${p.name}`,
    `model:       ${p.model}`,
    ...(p.description != null ? [`description: ${p.description}`] : []),
    ...(p.system != null ? [`system:      ${p.system}`] : []),
    `tools:       ${p.tools.join(', ') || '(none)'}`,
    `collections: ${p.collections.join(', ') || '(none)'}`,
    `budget:      ${p.budget.maxSteps} steps, ${p.budget.maxTokens} tokens, ${p.budget.timeoutMs} ms`,
    `tool choice: ${p.toolChoice}`,
    `quarantine:  ${p.quarantine ? 'yes' : 'no'}`,
    `key:         ${p.publicKey}`
  ].join('\n')
}

export const agentCommands: Command[] = [agentCreate, agentList, agentShow, agentRemove, agentRun]
