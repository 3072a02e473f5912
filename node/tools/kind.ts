/**
 * The `tool.call` task kind: `{tool, arguments, timeoutMs?}` →
 * `{content, isError, structuredContent?}` through the node's tool registry.
 * The same handler serves local callers and delegators, so a delegated call
 * answers exactly what a local one would.
 *
 * The executor decides policy on the tool named in the signed request, while
 * the input naming the tool travels sealed. So the handler checks again, on
 * the tool the input names, that a remote caller may call it (`mayCall`) and
 * that its output may leave the node (never for `local-only`), as the memory
 * kinds do for collections.
 *
 * @example
 * registry.register(toolCallKind({ tools, self: () => peerId, mayCall: (peer, tool) => policy.decide({ peerId: peer, tool, … }), audit }))
 * await executor.runLocal({ kind: 'tool.call', input: { tool: 'code.run', arguments: { code: '6*7' } }, dataClass: 'internal' })
 * // → { output: { content: [{ type: 'text', text: '{"value":42,"logs":[]}' }], isError: false, structuredContent: { value: 42, logs: [] } } }
 */
import { MalformedMessageError } from '../../protocol/errors.ts'
import type { AuditLog } from '../audit/log.ts'
import { isPlainObject, json, object, optional, parse, str, uint, type Shape } from '../../protocol/shape.ts'
import { TOOL_CALL_KIND } from '../policy/constants.ts'
import { InvalidTaskInputError, PolicyDeniedError, TaskFailedError } from '../tasks/errors.ts'
import type { TaskKindHandler, TaskRunContext } from '../tasks/registry.ts'
import * as c from './constants.ts'
import { InvalidToolArgumentsError, ToolError, ToolOutputTooLargeError, toolWireCode, UnknownToolError } from './errors.ts'
import type { ToolRegistry } from './registry.ts'
import type { DataClass, ToolResult } from './types.ts'
import { TOOL_CALL_AUDIT_TYPE, toolCallAuditData, type ToolDecision } from './audit.ts'

export interface ToolCallInput {
  /** `PROVIDER.TOOL`, e.g. `fs.read_text_file`. */
  tool: string
  arguments: Record<string, unknown>
  /** @default the registry's call timeout */
  timeoutMs?: number
}

export interface ToolCallKindInit {
  tools: ToolRegistry
  /** This node's peer id: a task from anyone else is remote. */
  self: () => string
  /** The policy's decision on a remote peer calling this tool (asked again on the tool the sealed input names). */
  mayCall: (peerId: string, tool: string) => ToolDecision
  /** Where each call is recorded (tool, argument and result digests, decision, rule). @default not recorded */
  audit?: Pick<AuditLog, 'append'>
  /** Serialized result size. @default TOOL_TASK_OUTPUT_MAX_BYTES */
  maxOutputBytes?: number
}

/** The handler, plus what the executor and router read off an input before running it. */
export interface ToolCallKind extends TaskKindHandler<ToolCallInput> {
  /** The tool an input calls, for policy and routing (compare it with the request's `tool`). */
  toolOf: (input: ToolCallInput) => string
  /** The data class of the tool's output here; undefined when this node has no such tool. */
  dataClassOf: (input: ToolCallInput) => DataClass | undefined
}

/** A JSON object, walked with bounds before anything else looks at it. */
function jsonObject (opts: { maxDepth: number, maxItems: number }): Shape<Record<string, unknown>> {
  const inner = json(opts)
  return (value, path) => {
    if (!isPlainObject(value)) throw new MalformedMessageError(`${path}: expected a map`)
    return inner(value, path) as Record<string, unknown>
  }
}

const Input: Shape<ToolCallInput> = object({
  tool: str({ min: 3, max: c.TOOL_FULL_NAME_MAX_CHARS, pattern: c.TOOL_FULL_NAME_PATTERN }),
  arguments: jsonObject({ maxDepth: c.TOOL_ARGUMENTS_MAX_DEPTH, maxItems: c.TOOL_ARGUMENTS_MAX_ITEMS }),
  timeoutMs: optional(uint({ min: 1, max: c.TOOL_CALL_TIMEOUT_MAX_MS }))
})

/** The data class of a tool's output: its provider's class. Undefined when no such tool is on offer. */
export function toolDataClass (tools: ToolRegistry, name: string): DataClass | undefined {
  return tools.get(name)?.dataClass
}

export function toolCallKind (init: ToolCallKindInit): ToolCallKind {
  const { tools } = init
  const maxOutputBytes = init.maxOutputBytes ?? c.TOOL_TASK_OUTPUT_MAX_BYTES
  return {
    kind: TOOL_CALL_KIND,
    parseInput (value) {
      let input: ToolCallInput
      try {
        input = parse(Input, value, 'tool.call input')
      } catch (err) {
        throw new InvalidTaskInputError((err as Error).message)
      }
      // Arguments that fail the schema are refused here, before the task takes
      // a slot. An unknown tool is left to run(), which answers not-found.
      try {
        input.arguments = tools.validateArguments(input.tool, input.arguments)
      } catch (err) {
        if (err instanceof InvalidToolArgumentsError) throw new InvalidTaskInputError(err.message)
        if (!(err instanceof UnknownToolError)) throw err
      }
      return input
    },
    toolOf: (input) => input.tool,
    dataClassOf: (input) => toolDataClass(tools, input.tool),
    async run (input, ctx) {
      const record = async (decision: ToolDecision, outcome: { result?: ToolResult, code?: string }): Promise<void> => {
        await init.audit?.append({ type: TOOL_CALL_AUDIT_TYPE, actor: init.self(), peer: ctx.from, task: ctx.taskId, data: toolCallAuditData({ side: 'provider', tool: input.tool, args: input.arguments, decision, ...outcome }) })
      }
      const decision = authorize(init, input.tool, ctx)
      if (!decision.allow) {
        await record(decision, { code: 'denied' })
        throw new PolicyDeniedError(decision.rule === 'local-only' ? `The output of ${input.tool} is local-only and never leaves this node` : `No policy rule lets this peer call ${input.tool}`, decision.rule)
      }
      let output: ToolResult
      try {
        const result = await tools.call(input.tool, input.arguments, { signal: ctx.signal, ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}) })
        output = { content: result.content, isError: result.isError }
        if (result.structuredContent !== undefined) output.structuredContent = result.structuredContent
        if (Buffer.byteLength(JSON.stringify(output)) > maxOutputBytes) throw new ToolOutputTooLargeError(input.tool, maxOutputBytes)
      } catch (err) {
        const failed = ctx.signal.aborted ? ctx.signal.reason : asTaskError(err)
        await record(decision, { code: (failed as { code?: string }).code ?? 'internal' })
        throw failed
      }
      await record(decision, { result: output })
      return { output }
    }
  }
}

/** A remote caller needs a rule naming the tool, and never gets a local-only tool's output. */
function authorize (init: ToolCallKindInit, tool: string, ctx: TaskRunContext): ToolDecision {
  if (ctx.from === init.self()) return { allow: true, rule: 'local' }
  if (toolDataClass(init.tools, tool) === 'local-only') return { allow: false, rule: 'local-only' }
  return init.mayCall(ctx.from, tool)
}

/**
 * A tool error as the task layer reports it: the wire code its tool code
 * folds onto, its one-line message, and the tool error itself as `cause`
 * for local callers that want the finer code.
 */
function asTaskError (err: unknown): unknown {
  if (!(err instanceof ToolError)) return err
  const failed = new TaskFailedError(toolWireCode(err.code), err.message)
  Object.defineProperty(failed, 'cause', { value: err, enumerable: false, writable: true, configurable: true })
  return failed
}
