/**
 * Errors of the tool layer. Callers branch on `.name` or on `.code` (a
 * closed union, like Lodestar's request errors), never on message text.
 * `toolWireCode` folds each code onto the wire's closed list for the day
 * `tool.call` crosses the mesh.
 */
import type { WireErrorCode } from '../../protocol/codes.ts'

export type ToolErrorCode =
  | 'unknown-tool' | 'invalid-arguments' | 'invalid-definition' | 'provider-exists'
  | 'timeout' | 'canceled' | 'output-too-large' | 'invalid-output'
  | 'provider-crashed' | 'provider-unavailable' | 'provider-error'
  | 'code-syntax' | 'code-threw' | 'code-timeout' | 'code-memory' | 'code-stack'
  | 'code-host-access' | 'code-output-too-large' | 'code-unsettled'

export abstract class ToolError extends Error {
  abstract readonly code: ToolErrorCode
}

/** No tool of that name (or its provider is gone). */
export class UnknownToolError extends ToolError {
  static override name = 'UnknownToolError'
  readonly code = 'unknown-tool'
  readonly tool: string
  constructor (tool: string) {
    super(`Unknown tool "${tool}" (see \`mycel tools ls\`)`)
    this.name = UnknownToolError.name
    this.tool = tool
  }
}

/** `tools.json` in the home cannot be read as a list of servers; the message names the file and the fault. */
export class InvalidToolsFileError extends ToolError {
  static override name = 'InvalidToolsFileError'
  readonly code = 'invalid-definition'
  readonly path: string
  constructor (path: string, detail: string) {
    super(`${path}: ${detail}`)
    this.name = InvalidToolsFileError.name
    this.path = path
  }
}

/** No tool server of that name is registered in `tools.json`. */
export class UnknownToolServerError extends ToolError {
  static override name = 'UnknownToolServerError'
  readonly code = 'unknown-tool'
  constructor (name: string) {
    super(`No tool server named "${name}" is registered (see \`mycel tools ls\`)`)
    this.name = UnknownToolServerError.name
  }
}

/** The arguments fail the tool's input schema; nothing ran. */
export class InvalidToolArgumentsError extends ToolError {
  static override name = 'InvalidToolArgumentsError'
  readonly code = 'invalid-arguments'
  readonly tool: string
  /** Path of the offending field, e.g. `path` or `edits/0/oldText`; empty for the arguments as a whole. */
  readonly field: string
  constructor (tool: string, field: string, reason: string) {
    super(`Invalid arguments for ${tool}: ${field === '' ? 'arguments' : `"${field}"`} ${reason}`)
    this.name = InvalidToolArgumentsError.name
    this.tool = tool
    this.field = field
  }
}

/** A provider offered a tool (or a tool list) outside the bounds: name, count, schema size, depth or refs. */
export class InvalidToolDefinitionError extends ToolError {
  static override name = 'InvalidToolDefinitionError'
  readonly code = 'invalid-definition'
  readonly tool: string
  readonly reason: string
  constructor (tool: string, reason: string) {
    super(`Tool ${tool} refused: ${reason}`)
    this.name = InvalidToolDefinitionError.name
    this.tool = tool
    this.reason = reason
  }
}

export class ToolProviderExistsError extends ToolError {
  static override name = 'ToolProviderExistsError'
  readonly code = 'provider-exists'
  constructor (provider: string) {
    super(`A tool provider named "${provider}" is already registered`)
    this.name = ToolProviderExistsError.name
  }
}

export class ToolTimeoutError extends ToolError {
  static override name = 'ToolTimeoutError'
  readonly code = 'timeout'
  readonly timeoutMs: number
  constructor (tool: string, timeoutMs: number) {
    super(`Tool ${tool} did not answer within ${timeoutMs} ms`)
    this.name = ToolTimeoutError.name
    this.timeoutMs = timeoutMs
  }
}

export class ToolCanceledError extends ToolError {
  static override name = 'ToolCanceledError'
  readonly code = 'canceled'
  constructor (tool: string) {
    super(`Tool call ${tool} was canceled`)
    this.name = ToolCanceledError.name
  }
}

/** The result is bigger than the bound; it is dropped whole rather than cut mid-value. */
export class ToolOutputTooLargeError extends ToolError {
  static override name = 'ToolOutputTooLargeError'
  readonly code = 'output-too-large'
  readonly maxBytes: number
  constructor (tool: string, maxBytes: number) {
    super(`Tool ${tool} returned more than ${maxBytes} bytes; the result was dropped`)
    this.name = ToolOutputTooLargeError.name
    this.maxBytes = maxBytes
  }
}

/** The result is not a CallToolResult, or its structuredContent fails the output schema. */
export class InvalidToolOutputError extends ToolError {
  static override name = 'InvalidToolOutputError'
  readonly code = 'invalid-output'
  constructor (tool: string, reason: string) {
    super(`Tool ${tool} returned an invalid result: ${reason}`)
    this.name = InvalidToolOutputError.name
  }
}

/** The provider's process died (or its connection dropped) while the call was in flight; it is being restarted. */
export class ToolProviderCrashedError extends ToolError {
  static override name = 'ToolProviderCrashedError'
  readonly code = 'provider-crashed'
  readonly provider: string
  constructor (provider: string) {
    super(`Tool provider "${provider}" stopped during the call; it is being restarted`)
    this.name = ToolProviderCrashedError.name
    this.provider = provider
  }
}

/** The provider is not connected now (starting, restarting, given up, or stopped). */
export class ToolProviderUnavailableError extends ToolError {
  static override name = 'ToolProviderUnavailableError'
  readonly code = 'provider-unavailable'
  readonly provider: string
  readonly state: string
  constructor (provider: string, state: string) {
    super(`Tool provider "${provider}" is not available (${state})`)
    this.name = ToolProviderUnavailableError.name
    this.provider = provider
    this.state = state
  }
}

/** The provider answered with a protocol error (a JSON-RPC error, not a tool result with `isError`). */
export class ToolProviderError extends ToolError {
  static override name = 'ToolProviderError'
  readonly code = 'provider-error'
  readonly provider: string
  constructor (provider: string, detail: string) {
    super(`Tool provider "${provider}" failed: ${detail.slice(0, 300)}`)
    this.name = ToolProviderError.name
    this.provider = provider
  }
}

// --- code.run: one class per way a script can fail ---------------------------

export class CodeSyntaxError extends ToolError {
  static override name = 'CodeSyntaxError'
  readonly code = 'code-syntax'
  constructor (detail: string) {
    super(`code.run: syntax error: ${detail}`)
    this.name = CodeSyntaxError.name
  }
}

/** The script threw (the thrown value, shortened, is in the message). */
export class CodeThrewError extends ToolError {
  static override name = 'CodeThrewError'
  readonly code = 'code-threw'
  constructor (detail: string) {
    super(`code.run: the script threw ${detail}`)
    this.name = CodeThrewError.name
  }
}

export class CodeTimeoutError extends ToolError {
  static override name = 'CodeTimeoutError'
  readonly code = 'code-timeout'
  readonly timeoutMs: number
  constructor (timeoutMs: number) {
    super(`code.run: the script ran past its ${timeoutMs} ms CPU limit and was stopped`)
    this.name = CodeTimeoutError.name
    this.timeoutMs = timeoutMs
  }
}

export class CodeMemoryError extends ToolError {
  static override name = 'CodeMemoryError'
  readonly code = 'code-memory'
  readonly limitBytes: number
  constructor (limitBytes: number) {
    super(`code.run: the script ran out of its ${Math.round(limitBytes / 1024 / 1024)} MiB memory limit`)
    this.name = CodeMemoryError.name
    this.limitBytes = limitBytes
  }
}

export class CodeStackOverflowError extends ToolError {
  static override name = 'CodeStackOverflowError'
  readonly code = 'code-stack'
  constructor () {
    super('code.run: the script recursed too deeply (stack limit reached)')
    this.name = CodeStackOverflowError.name
  }
}

/** The script reached for the host (`require`, `process`, `fetch`, timers…): code.run has no I/O. */
export class CodeHostAccessError extends ToolError {
  static override name = 'CodeHostAccessError'
  readonly code = 'code-host-access'
  readonly global: string
  constructor (global: string) {
    super(`code.run: \`${global}\` is not available; scripts have no I/O, modules or timers`)
    this.name = CodeHostAccessError.name
    this.global = global
  }
}

export class CodeOutputTooLargeError extends ToolError {
  static override name = 'CodeOutputTooLargeError'
  readonly code = 'code-output-too-large'
  readonly maxBytes: number
  constructor (maxBytes: number) {
    super(`code.run: the script's output (console.log and result) went past ${maxBytes} bytes`)
    this.name = CodeOutputTooLargeError.name
    this.maxBytes = maxBytes
  }
}

/** The completion value is a promise that can never settle: there are no timers or I/O to wait for. */
export class CodeUnsettledPromiseError extends ToolError {
  static override name = 'CodeUnsettledPromiseError'
  readonly code = 'code-unsettled'
  constructor () {
    super('code.run: the script returned a promise that never settled (there are no timers or I/O to wait on)')
    this.name = CodeUnsettledPromiseError.name
  }
}

const WIRE_CODE: Record<ToolErrorCode, WireErrorCode> = {
  'unknown-tool': 'not-found',
  'invalid-arguments': 'malformed',
  'invalid-definition': 'internal',
  'provider-exists': 'internal',
  timeout: 'timeout',
  canceled: 'canceled',
  'output-too-large': 'too-large',
  'invalid-output': 'internal',
  'provider-crashed': 'unavailable',
  'provider-unavailable': 'unavailable',
  'provider-error': 'internal',
  'code-syntax': 'malformed',
  'code-threw': 'internal',
  'code-timeout': 'timeout',
  'code-memory': 'too-large',
  'code-stack': 'too-large',
  'code-host-access': 'denied',
  'code-output-too-large': 'too-large',
  'code-unsettled': 'timeout'
}

/** The wire code a tool error travels as (the wire list is closed; finer codes fold onto it). */
export function toolWireCode (code: ToolErrorCode): WireErrorCode {
  return WIRE_CODE[code]
}
