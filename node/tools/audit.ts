/**
 * The audit entry of one tool call, written on both sides: by the provider
 * (the `tool.call` kind, which holds the arguments and the result in clear)
 * and by the caller (`meshTools`, which sent them). Digests only, never the
 * arguments or the output themselves; the decision that let the call run
 * (or refused it) and its rule ride along.
 *
 * @example
 * await audit.append({ type: TOOL_CALL_AUDIT_TYPE, actor: self, peer, task, data: toolCallAuditData({ side: 'provider', tool, args, result, decision }) })
 */
import { digest } from '../audit/entry.ts'
import type { AuditValue } from '../audit/entry.ts'
import { encodeCbor } from '../../protocol/cbor.ts'
import type { ToolResult } from './types.ts'

/** The audit entry type of a tool call. */
export const TOOL_CALL_AUDIT_TYPE = 'tool.call'

export interface ToolDecision { allow: boolean, rule: string }

export interface ToolCallAudit {
  side: 'provider' | 'caller'
  tool: string
  args: unknown
  /** The result, when the call returned one. */
  result?: ToolResult
  /** The wire code the call failed with, when it did. */
  code?: string
  decision: ToolDecision
}

export function toolCallAuditData (a: ToolCallAudit): Record<string, AuditValue> {
  return {
    side: a.side,
    tool: a.tool,
    arguments: digestOf(a.args),
    result: a.result !== undefined ? digestOf(a.result) : null,
    isError: a.result?.isError ?? null,
    code: a.code ?? null,
    allow: a.decision.allow,
    rule: a.decision.rule
  }
}

/** Canonical CBOR, so both sides digest the same arguments to the same bytes. */
function digestOf (value: unknown): Uint8Array {
  try {
    return digest(encodeCbor(value))
  } catch {
    return digest(JSON.stringify(value) ?? '')
  }
}
