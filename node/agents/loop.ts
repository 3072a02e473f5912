/**
 * The agent loop (the kernel of `agent.run`). Each step asks the profile's
 * model, through the router as an `llm.chat` task with the offered tools
 * (function calling); each call the model proposes runs through the router
 * too: `tool.call` on whichever member offers the tool, `agent.run` on a
 * peer's agent, `llm.chat` on a peer's model. Results go back to the model
 * through the guard's presenter (the one door for outside text: wrapped as
 * untrusted data, or with `quarantine` read by a tool-less model and handed
 * to the planner as a handle, node/guard). The run stops at a
 * final answer, or at its budget (steps, tokens, wall time), or when the
 * model repeats one call endlessly, and says which. Every task it issues
 * carries the run's signal, so canceling the run cancels the whole tree,
 * and its chain request, so every hop names this agent.
 */
import type { AuditLog } from '../audit/log.ts'
import type { ChainRequest, ChainScope, ChainSigner } from '../../protocol/chain/index.ts'
import type { ChatMessage, ToolCall } from '../../protocol/task/chat.ts'
import type { RunResult, RunSpec } from '../tasks/index.ts'
import type { TaskRunContext, TaskUsage } from '../tasks/registry.ts'
import { wireCodeOf } from '../tasks/errors.ts'
import type { MeshTool, MeshToolCall, MeshToolResult } from '../tools/index.ts'
import { AGENT_REFUSED_AUDIT_TYPE, AGENT_RUN_AUDIT_TYPE, AGENT_RUN_KIND, AGENT_STEP_AUDIT_TYPE, REPEATED_CALL_LIMIT, RESULT_MAX_CHARS, STEP_MAX_COMPLETION_TOKENS } from './constants.ts'
import { RefusedCallError } from './errors.ts'
import { eventLine, sha256Hex, type AgentEvent, type StopReason } from './events.ts'
import { offerTools, type MeshAgent, type MeshModel, type Offer } from './offered.ts'
import { presenter, QuarantineVault, type ReaderChat } from '../guard/index.ts'
import type { AgentBudget, AgentProfile } from './profile.ts'
import { agentScope, delegationScope, taskScope } from './scope.ts'

export interface KernelComponents {
  /** This node's peer id. */
  self: string
  router: { run: (spec: RunSpec) => Promise<RunResult> }
  tools: { list: () => MeshTool[], call: (req: MeshToolCall) => Promise<MeshToolResult> }
  /** Agents other members' cards list. */
  agents: () => MeshAgent[]
  /** Models other members' cards list. */
  models: () => MeshModel[]
  audit: Pick<AuditLog, 'append'>
  /** The tool-less reader of quarantined text, on this node's model; none: quarantined text is withheld. */
  reader?: (model: string) => ReaderChat
}

export interface AgentRunRequest {
  profile: AgentProfile
  signer: ChainSigner
  goal: string
  budget: AgentBudget
  ctx: TaskRunContext
  /** @default REPEATED_CALL_LIMIT */
  repeatedCallLimit?: number
}

export interface AgentRunOutput {
  agent: string
  /** The model's final text; null when the run stopped at its budget. */
  answer: string | null
  stop: StopReason
  steps: number
  usage: TaskUsage
  /** The events the run streamed, in order. */
  trace: AgentEvent[]
}

/** Marks the run's own deadline apart from a cancel from outside. */
class DeadlineReached extends Error {}

interface Outcome { text: string, node: string, isError: boolean, code?: string }

export async function runAgent (c: KernelComponents, req: AgentRunRequest): Promise<AgentRunOutput> {
  const { profile, ctx, budget } = req
  const trace: AgentEvent[] = []
  const emit = (e: AgentEvent): void => { trace.push(e); ctx.emit(eventLine(e)) }
  const audit = async (type: string, data: Record<string, string | number | boolean | null>, peer?: string): Promise<void> => {
    await c.audit.append({ type, actor: c.self, peer: peer ?? ctx.from, task: ctx.taskId, data: { agent: profile.name, ...data } })
  }
  const scope = agentScope(profile, ctx.chain)
  // one vault per run: handles the planner names are resolved to the raw text for tools, never shown to it
  const vault = profile.quarantine && c.reader != null ? new QuarantineVault(c.reader(profile.model)) : undefined
  const present = presenter(vault != null ? { vault } : {})
  const chain = (s: ChainScope): ChainRequest => ({ ...(ctx.chain != null ? { parent: ctx.chain } : {}), agent: req.signer, scope: s, parentTask: ctx.taskId })
  const offer: Offer = offerTools({
    patterns: profile.tools,
    ...(ctx.chain != null ? { scope: ctx.chain.scope.tools } : {}),
    tools: c.tools.list(),
    agents: c.agents(),
    models: c.models()
  })
  const deadline = new AbortController()
  const endsAt = Date.now() + budget.timeoutMs
  const timer = setTimeout(() => { deadline.abort(new DeadlineReached()) }, budget.timeoutMs)
  const signal = AbortSignal.any([ctx.signal, deadline.signal])
  const usage: TaskUsage = { promptTokens: 0, completionTokens: 0 }
  const used = (): number => usage.promptTokens + usage.completionTokens
  const seen = new Map<string, number>()
  const messages: ChatMessage[] = [
    ...(profile.system != null ? [{ role: 'system' as const, content: profile.system }] : []),
    { role: 'user', content: req.goal }
  ]
  let steps = 0
  let answer: string | null = null
  let stop: StopReason = 'steps'

  emit({ event: 'start', agent: profile.name, node: c.self, budget })
  await audit(AGENT_RUN_AUDIT_TYPE, { phase: 'start', goal: sha256Hex(req.goal), maxSteps: budget.maxSteps, maxTokens: budget.maxTokens, timeoutMs: budget.timeoutMs })
  try {
    for (;;) {
      if (steps >= budget.maxSteps) { stop = 'steps'; break }
      if (used() >= budget.maxTokens) { stop = 'tokens'; break }
      steps++
      emit({ event: 'step', step: steps, tokens: used() })
      const r = await c.router.run({
        kind: 'llm.chat',
        model: profile.model,
        input: {
          model: profile.model,
          messages,
          ...(offer.chat.length > 0 ? { tools: offer.chat, toolChoice: profile.toolChoice } : {}),
          maxTokens: Math.max(1, Math.min(STEP_MAX_COMPLETION_TOKENS, budget.maxTokens - used())),
          temperature: 0
        },
        priority: ctx.priority,
        signal,
        chain: chain(taskScope(scope, 'llm.chat'))
      })
      usage.promptTokens += r.usage?.promptTokens ?? 0
      usage.completionTokens += r.usage?.completionTokens ?? 0
      const text = typeof r.output === 'string' ? r.output : ''
      const calls = r.toolCalls ?? []
      // a step cut at its token cap mid-answer (or mid-call) has no answer to give: the run ran out of tokens
      if (calls.length === 0 && r.finishReason === 'length') { stop = 'tokens'; break }
      if (calls.length === 0) { answer = text; stop = 'final'; break }
      messages.push({ role: 'assistant', content: text, toolCalls: calls })
      let looped = false
      for (const call of calls) {
        const key = `${call.name}\0${call.arguments}`
        const n = (seen.get(key) ?? 0) + 1
        seen.set(key, n)
        if (n > (req.repeatedCallLimit ?? REPEATED_CALL_LIMIT)) {
          emit({ event: 'refused', step: steps, tool: call.name, reason: 'repeated-call' })
          await audit(AGENT_REFUSED_AUDIT_TYPE, { step: steps, tool: call.name, reason: 'repeated-call' })
          looped = true
          break
        }
        const out = await execute(c, call, steps, offer, { profile, scope, chain, signal, emit, audit, ...(vault != null ? { vault } : {}), budgetLeft: () => budget.maxTokens - used(), timeLeft: () => endsAt - Date.now(), usage })
        const shown = await present(out.text, { source: `${call.name} on ${out.node}`, quarantine: profile.quarantine, isError: out.isError, maxChars: RESULT_MAX_CHARS, signal })
        messages.push({ role: 'tool', toolCallId: call.id, content: shown.content })
      }
      if (looped) { stop = 'loop'; break }
    }
  } catch (err) {
    if (!(deadline.signal.aborted && !ctx.signal.aborted)) {
      await audit(AGENT_RUN_AUDIT_TYPE, { phase: 'end', stop: 'error', code: wireCodeOf(err), steps, tokens: used() }).catch(() => {})
      throw ctx.signal.aborted ? ctx.signal.reason : err
    }
    stop = 'time'
  } finally {
    clearTimeout(timer)
  }
  emit({ event: 'final', steps, stop, tokens: used(), digest: sha256Hex(answer ?? '') })
  await audit(AGENT_RUN_AUDIT_TYPE, { phase: 'end', stop, steps, tokens: used(), answer: sha256Hex(answer ?? '') })
  return { agent: profile.name, answer, stop, steps, usage, trace }
}

interface StepContext {
  profile: AgentProfile
  scope: ChainScope
  chain: (s: ChainScope) => ChainRequest
  signal: AbortSignal
  emit: (e: AgentEvent) => void
  audit: (type: string, data: Record<string, string | number | boolean | null>, peer?: string) => Promise<void>
  budgetLeft: () => number
  /** Milliseconds left of the run's wall time. */
  timeLeft: () => number
  usage: TaskUsage
  /** Quarantined texts of this run: handles in tool arguments become the raw text after the scope checks. */
  vault?: QuarantineVault
}

/** Runs one proposed call; a refusal or a failed task becomes an error result for the model, a cancel or the deadline ends the run. */
async function execute (c: KernelComponents, call: ToolCall, step: number, offer: Offer, s: StepContext): Promise<Outcome> {
  const argsDigest = sha256Hex(call.arguments)
  s.emit({ event: 'tool_call', step, tool: call.name, args: argsDigest })
  let out: Outcome
  try {
    const offered = offer.byName.get(call.name)
    if (offered == null) throw new RefusedCallError('unknown-tool', `${call.name} is not a tool this agent was offered`)
    const args = parseArguments(call)
    if (offered.type === 'tool') {
      const r = await c.tools.call({ tool: offered.name, arguments: (s.vault?.resolve(args) ?? args) as Record<string, unknown>, signal: s.signal, chain: s.chain(taskScope(s.scope, 'tool.call', offered.name)) })
      out = { text: r.result.content.map(x => x.type === 'text' ? x.text : JSON.stringify(x)).join('\n'), node: r.executor, isError: r.result.isError }
    } else if (offered.type === 'delegate') {
      const target = offered.targets.get(String(args.agent))
      if (target == null || typeof args.goal !== 'string') throw new RefusedCallError('bad-arguments', `${call.name} needs an offered agent and a goal`)
      s.emit({ event: 'delegation', step, kind: AGENT_RUN_KIND, peer: target.peer, agent: target.name })
      const r = await c.router.run({
        kind: AGENT_RUN_KIND,
        peer: target.peer,
        // the sub-run ends inside what is left of this one
        input: { agent: target.name, goal: args.goal, budget: { maxTokens: Math.max(1, s.budgetLeft()), timeoutMs: Math.max(1, s.timeLeft()) } },
        signal: s.signal,
        chain: s.chain(delegationScope(s.scope))
      })
      s.usage.promptTokens += r.usage?.promptTokens ?? 0
      s.usage.completionTokens += r.usage?.completionTokens ?? 0
      const o = r.output as { answer?: unknown, stop?: unknown } | undefined
      out = { text: typeof o?.answer === 'string' ? o.answer : `(the agent stopped at its ${String(o?.stop ?? 'budget')} without an answer)`, node: r.executor, isError: typeof o?.answer !== 'string' }
    } else {
      const target = offered.targets.get(String(args.model))
      if (target == null || typeof args.prompt !== 'string') throw new RefusedCallError('bad-arguments', `${call.name} needs an offered model and a prompt`)
      s.emit({ event: 'delegation', step, kind: 'llm.chat', peer: target.peer, model: target.name })
      const r = await c.router.run({
        kind: 'llm.chat',
        model: target.name,
        peer: target.peer,
        input: { model: target.name, messages: [{ role: 'user', content: args.prompt }], maxTokens: Math.max(1, Math.min(STEP_MAX_COMPLETION_TOKENS, s.budgetLeft())), temperature: 0 },
        signal: s.signal,
        chain: s.chain(taskScope(s.scope, 'llm.chat'))
      })
      s.usage.promptTokens += r.usage?.promptTokens ?? 0
      s.usage.completionTokens += r.usage?.completionTokens ?? 0
      out = { text: typeof r.output === 'string' ? r.output : '', node: r.executor, isError: false }
    }
  } catch (err) {
    if (s.signal.aborted) throw s.signal.reason
    if (err instanceof RefusedCallError) {
      s.emit({ event: 'refused', step, tool: call.name, reason: err.reason })
      await s.audit(AGENT_REFUSED_AUDIT_TYPE, { step, tool: call.name, reason: err.reason, args: argsDigest })
      out = { text: `refused: ${err.message}`, node: c.self, isError: true, code: err.code }
    } else {
      const code = wireCodeOf(err)
      out = { text: `failed (${code}): ${oneLine(err)}`, node: c.self, isError: true, code }
    }
  }
  const digest = sha256Hex(out.text)
  s.emit({ event: 'tool_result', step, tool: call.name, node: out.node, digest, size: out.text.length, isError: out.isError, ...(out.code != null ? { code: out.code } : {}) })
  await s.audit(AGENT_STEP_AUDIT_TYPE, { step, tool: call.name, args: argsDigest, node: out.node, result: digest, size: out.text.length, isError: out.isError, code: out.code ?? null }, out.node)
  return out
}

function parseArguments (call: ToolCall): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(call.arguments)
  } catch {
    throw new RefusedCallError('bad-arguments', `the arguments of ${call.name} are not JSON`)
  }
  if (typeof v !== 'object' || v == null || Array.isArray(v)) throw new RefusedCallError('bad-arguments', `the arguments of ${call.name} are not a JSON object`)
  return v as Record<string, unknown>
}

function oneLine (err: unknown): string {
  const m = err instanceof Error ? err.message : String(err)
  return (m.split('\n')[0] ?? '').slice(0, 300)
}

