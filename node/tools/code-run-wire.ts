/**
 * Messages between `CodeRun` and its worker thread, and the way a typed
 * sandbox error crosses the thread boundary (structured clone keeps only
 * plain fields, so each error is rebuilt from its name and its fields).
 */
import {
  CodeHostAccessError, CodeMemoryError, CodeOutputTooLargeError, CodeStackOverflowError, CodeSyntaxError, CodeThrewError,
  CodeTimeoutError, CodeUnsettledPromiseError, ToolError, ToolProviderError
} from './errors.ts'
import type { SandboxLimits, SandboxResult } from './quickjs-sandbox.ts'

export interface RunRequest { id: number, code: string, limits: SandboxLimits }

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result', id: number, result: SandboxResult }
  | { type: 'error', id: number, error: WireError }

export interface WireError {
  name: string
  /** The detail after the fixed prefix, for syntax and thrown errors. */
  detail?: string
  timeoutMs?: number
  limitBytes?: number
  maxBytes?: number
  global?: string
}

const PREFIXES: Record<string, string> = {
  CodeSyntaxError: 'code.run: syntax error: ',
  CodeThrewError: 'code.run: the script threw '
}

export function errorToWire (err: unknown): WireError {
  if (!(err instanceof ToolError)) return { name: 'Error', detail: (err as Error)?.message ?? String(err) }
  const fields = err as unknown as WireError
  const out: WireError = { name: err.name }
  const prefix = PREFIXES[err.name]
  if (prefix !== undefined) out.detail = err.message.slice(prefix.length)
  for (const key of ['timeoutMs', 'limitBytes', 'maxBytes', 'global'] as const) {
    if (fields[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = fields[key]
  }
  return out
}

export function errorFromWire (provider: string, wire: WireError): ToolError {
  switch (wire.name) {
    case 'CodeSyntaxError': return new CodeSyntaxError(wire.detail ?? '')
    case 'CodeThrewError': return new CodeThrewError(wire.detail ?? '')
    case 'CodeTimeoutError': return new CodeTimeoutError(wire.timeoutMs ?? 0)
    case 'CodeMemoryError': return new CodeMemoryError(wire.limitBytes ?? 0)
    case 'CodeStackOverflowError': return new CodeStackOverflowError()
    case 'CodeHostAccessError': return new CodeHostAccessError(wire.global ?? 'host')
    case 'CodeOutputTooLargeError': return new CodeOutputTooLargeError(wire.maxBytes ?? 0)
    case 'CodeUnsettledPromiseError': return new CodeUnsettledPromiseError()
    default: return new ToolProviderError(provider, `the sandbox failed: ${wire.detail ?? wire.name}`)
  }
}
