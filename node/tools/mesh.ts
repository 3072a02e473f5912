/**
 * The tools of the mesh as this node sees them, and calling one: this node's
 * own tools plus those offered in the verified cards of other members, each
 * marked `callable` when this node's policy lets it call it there. A call is
 * a `tool.call` task through the router (the member whose card offers the
 * tool, or the one `peer` pins), so it is routed, decided by policy and
 * audited like every task; this side adds its own `tool.call` audit entry
 * (argument and result digests, decision and rule), the provider writes the
 * other.
 *
 * @example
 * const mesh = meshTools({ registry, self, cards, memberGroups, policy, router, audit })
 * mesh.list()  // [{ name: 'fs.read_text_file', node: '12D3…', callable: true, … }]
 * await mesh.call({ tool: 'fs.read_text_file', arguments: { path: '/srv/a.md' } })  // { taskId, executor, result: { content, isError } }
 */
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { AuditLog } from '../audit/log.ts'
import type { PolicyEngine } from '../policy/engine.ts'
import { TOOL_CALL_KIND } from '../policy/constants.ts'
import type { RouteEvent, RunResult, RunSpec } from '../tasks/index.ts'
import type { ChainRequest } from '../../protocol/chain/index.ts'
import { TaskFailedError, wireCodeOf } from '../tasks/errors.ts'
import { InvalidToolArgumentsError, ToolError, toolWireCode } from './errors.ts'
import { checkSchema, compileSchema, describeSchemaError } from './schema.ts'
import type { ValidateFunction } from 'ajv'
import { TOOL_CALL_AUDIT_TYPE, toolCallAuditData, type ToolDecision } from './audit.ts'
import { TOOL_OUTPUT_MAX_ITEMS, TOOL_SCHEMA_MAX_BYTES, TOOL_SCHEMA_MAX_DEPTH, TOOL_TASK_OUTPUT_MAX_BYTES } from './constants.ts'
import type { ToolRegistry } from './registry.ts'
import { checkToolResult } from './result.ts'
import type { JsonSchema, ToolResult } from './types.ts'

/** One tool on one node, as `GET /api/tools` and `mycel tools ls` show it. */
export interface MeshTool {
  /** `PROVIDER.TOOL`. */
  name: string
  provider: string
  /** Peer id of the node that offers it. */
  node: string
  /** That node's name from its card. */
  nodeName: string
  description: string
  inputSchema: JsonSchema
  class: DataClass
  /** Offered by this node. */
  local: boolean
  /** Whether this node's policy lets it call the tool there. */
  callable: boolean
}

export interface MeshToolCall {
  tool: string
  arguments: Record<string, unknown>
  /** Run on this member only. */
  peer?: string
  /** Run on this node. */
  local?: boolean
  timeoutMs?: number
  signal?: AbortSignal
  /** The delegation chain the call extends (an agent's call; protocol/chain). */
  chain?: ChainRequest
}

export interface MeshToolResult { taskId: string, executor: string, result: ToolResult }

export interface MeshToolsComponents {
  registry: ToolRegistry
  self: () => string
  selfName: string
  /** Verified, unexpired cards of other members. */
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  policy: Pick<PolicyEngine, 'decide'>
  router: { run: (spec: RunSpec) => Promise<RunResult> }
  audit: Pick<AuditLog, 'append'>
}

/** Compiled card schemas kept for checking arguments before a call leaves (cleared when full). */
const SCHEMA_CACHE_MAX = 256

export class MeshTools {
  private readonly c: MeshToolsComponents
  private readonly compiled = new Map<string, ValidateFunction>()

  constructor (components: MeshToolsComponents) {
    this.c = components
  }

  /** This node's tools, then every member's, by name and node. */
  list (): MeshTool[] {
    const self = this.c.self()
    const out: MeshTool[] = this.c.registry.list().map(t => ({
      name: t.name, provider: t.provider, node: self, nodeName: this.c.selfName, description: t.description, inputSchema: t.inputSchema, class: t.dataClass, local: true, callable: true
    }))
    for (const card of this.c.cards()) {
      if (card.peerId === self || this.c.memberGroups(card.peerId) == null) continue
      for (const t of card.tools) {
        const cls = t.class ?? 'internal'
        out.push({
          name: t.name, provider: t.name.slice(0, Math.max(0, t.name.indexOf('.'))), node: card.peerId, nodeName: card.name, description: t.description,
          inputSchema: t.schema as JsonSchema, class: cls, local: false, callable: this.decide(card.peerId, t.name, cls).allow
        })
      }
    }
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : Number(b.local) - Number(a.local))
  }

  /** Calls a tool where the router finds it; the result is checked and bounded before it is returned. */
  async call (req: MeshToolCall): Promise<MeshToolResult> {
    const self = this.c.self()
    let taskId = ''
    let executor = ''
    const pinnedClass = req.peer != null ? this.c.cards().find(c => c.peerId === req.peer)?.tools.find(t => t.name === req.tool)?.class : undefined
    const audit = async (decision: ToolDecision, outcome: { result?: ToolResult, code?: string }): Promise<void> => {
      await this.c.audit.append({
        type: TOOL_CALL_AUDIT_TYPE, actor: self, ...(executor !== '' ? { peer: executor } : {}), ...(taskId !== '' ? { task: taskId } : {}),
        data: toolCallAuditData({ side: 'caller', tool: req.tool, args: req.arguments, decision, ...outcome })
      })
    }
    const decisionFor = (peer: string): ToolDecision => peer === self ? { allow: true, rule: 'local' } : this.decide(peer, req.tool, pinnedClass ?? 'internal')
    let run: RunResult
    try {
      this.checkArguments(req)
      run = await this.c.router.run({
        kind: TOOL_CALL_KIND,
        tool: req.tool,
        input: { tool: req.tool, arguments: req.arguments, ...(req.timeoutMs != null ? { timeoutMs: req.timeoutMs } : {}) },
        ...(req.peer != null ? { peer: req.peer } : {}),
        ...(req.local === true ? { local: true } : {}),
        ...(pinnedClass != null ? { dataClass: pinnedClass } : {}),
        ...(req.signal != null ? { signal: req.signal } : {}),
        ...(req.chain != null ? { chain: req.chain } : {}),
        onEvent: (e: RouteEvent) => { if (e.type === 'routed') { taskId = e.taskId; executor = e.executor } }
      })
    } catch (err) {
      const failed = err instanceof ToolError ? asTaskError(err) : err
      const rule = (err as { rule?: unknown }).rule
      const decision = typeof rule === 'string'
        ? { allow: false, rule }
        : err instanceof ToolError ? { allow: false, rule: 'invalid-arguments' } : executor !== '' ? decisionFor(executor) : { allow: false, rule: 'no-candidate' }
      await audit(decision, { code: wireCodeOf(failed) }).catch(() => {})
      throw failed
    }
    taskId = run.taskId
    executor = run.executor
    let result: ToolResult
    try {
      // from another member, this is outside data: checked like a provider's answer
      result = checkToolResult(req.tool, run.output, { maxBytes: TOOL_TASK_OUTPUT_MAX_BYTES, maxItems: TOOL_OUTPUT_MAX_ITEMS })
    } catch (err) {
      const failed = err instanceof ToolError ? asTaskError(err) : err
      await audit(decisionFor(executor), { code: wireCodeOf(failed) })
      throw failed
    }
    await audit(decisionFor(executor), { result })
    return { taskId, executor, result }
  }

  /**
   * Checks the arguments against the schema of the tool where it will run
   * (this node's own, the pinned member's card, else the first card offering
   * it), so a call that would fail names its field here, and nothing is
   * sent: only a code crosses the wire, not the provider's message.
   */
  private checkArguments (req: MeshToolCall): void {
    const self = this.c.self()
    const own = req.peer == null || req.peer === self ? this.c.registry.get(req.tool) : undefined
    if (own != null) { this.c.registry.validateArguments(req.tool, req.arguments); return }
    const cards = this.c.cards().filter(c => req.peer == null || c.peerId === req.peer)
    const schema = cards.flatMap(c => c.tools).find(t => t.name === req.tool)?.schema
    if (schema == null || typeof schema !== 'object') return
    const key = JSON.stringify(schema)
    let validate = this.compiled.get(key)
    if (validate == null) {
      try {
        // a member's schema is outside data: the same checks as a listing (no `$ref` loops), then Ajv
        validate = compileSchema(req.tool, checkSchema(req.tool, schema, { maxBytes: TOOL_SCHEMA_MAX_BYTES, maxDepth: TOOL_SCHEMA_MAX_DEPTH }))
      } catch {
        return // the provider checks with its own copy
      }
      if (this.compiled.size >= SCHEMA_CACHE_MAX) this.compiled.clear()
      this.compiled.set(key, validate)
    }
    if (!validate(req.arguments)) {
      const { field, reason } = describeSchemaError(validate.errors)
      throw new InvalidToolArgumentsError(req.tool, field, reason)
    }
  }

  private decide (peer: string, tool: string, dataClass: DataClass): ToolDecision {
    const d = this.c.policy.decide({ peerId: peer, groups: this.c.memberGroups(peer) ?? [], kind: TOOL_CALL_KIND, tool, dataClass, direction: 'outbound' })
    return { allow: d.allow, rule: d.rule }
  }
}

function asTaskError (err: ToolError): TaskFailedError {
  return new TaskFailedError(toolWireCode(err.code), err.message)
}

export function meshTools (components: MeshToolsComponents): MeshTools {
  return new MeshTools(components)
}
