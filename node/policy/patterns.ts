/** The small languages inside a policy: task kind patterns, name globs, rates. */
import type { Rate } from './types.ts'

const SEGMENT = '[a-z][a-z0-9-]*'
/** `echo`, `llm.chat`, `llm.*` (any kind under `llm.`), `*` (any kind). */
export const KIND_PATTERN = new RegExp(`^(?:\\*|${SEGMENT}(?:\\.${SEGMENT})*(?:\\.\\*)?)$`)
/** A task kind as requests carry it. */
export const KIND = new RegExp(`^${SEGMENT}(?:\\.${SEGMENT})*$`)
/** Model, tool and collection names: exact, `prefix*`, or `*`. */
export const NAME_PATTERN = /^(?:\*|[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}\*?)$/
export const GROUP = /^(?:\*|[a-z0-9][a-z0-9_.-]{0,63})$/
/** libp2p peer ids as strings (base58btc or base32 CID); `*` for any. */
export const PEER = /^(?:\*|[A-Za-z0-9]{16,128})$/
/** An agent principal: `NAME@PEER`, `*@PEER`, or `NAME` (an agent of this node). */
export const AGENT_PRINCIPAL = /^(?:\*|[a-z][a-z0-9-]{0,63})(?:@[A-Za-z0-9]{16,128})?$/

/** Whether an agent principal names `agent` (`self`: this node's peer id, for a bare name). */
export function agentMatches (principal: string, agent: { name: string, node: string }, self: string | undefined): boolean {
  const at = principal.indexOf('@')
  const name = at < 0 ? principal : principal.slice(0, at)
  const node = at < 0 ? self : principal.slice(at + 1)
  return node != null && node === agent.node && (name === '*' || name === agent.name)
}

export function kindMatches (pattern: string, kind: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('.*')) return kind.startsWith(pattern.slice(0, -1))
  return pattern === kind
}

export function nameMatches (pattern: string, name: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1))
  return pattern === name
}

const UNITS: Record<string, number> = {
  s: 1000, sec: 1000, second: 1000,
  m: 60_000, min: 60_000, minute: 60_000,
  h: 3_600_000, hour: 3_600_000,
  d: 86_400_000, day: 86_400_000
}

/** `60/min`, `10/s`, `1000/hour`, `5000/day`; `off` for no limit (returns null). Undefined when invalid. */
export function parseRate (text: string): Rate | null | undefined {
  if (text === 'off') return null
  const m = /^(\d{1,9})\/(s|sec|second|m|min|minute|h|hour|d|day)$/.exec(text)
  if (m == null) return undefined
  const count = Number(m[1])
  if (count < 1) return undefined
  return { count, periodMs: UNITS[m[2] as string] as number, text }
}
