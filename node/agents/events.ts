/**
 * What an agent run streams over its task's output: one JSON object per
 * line (JSON Lines, https://jsonlines.org), each with `event`. Digests are
 * sha256 hex of the exact bytes (arguments as the model wrote them, a
 * result's text as fed back); no goal, argument or result text travels.
 */
import { createHash } from 'node:crypto'

export type StopReason = 'final' | 'steps' | 'tokens' | 'time' | 'loop'

export type AgentEvent =
  | { event: 'start', agent: string, node: string, budget: { maxSteps: number, maxTokens: number, timeoutMs: number } }
  | { event: 'step', step: number, tokens: number }
  | { event: 'tool_call', step: number, tool: string, args: string }
  | { event: 'tool_result', step: number, tool: string, node: string, digest: string, size: number, isError: boolean, code?: string }
  | { event: 'delegation', step: number, kind: 'agent.run' | 'llm.chat', peer: string, agent?: string, model?: string }
  | { event: 'refused', step: number, tool: string, reason: string }
  | { event: 'final', steps: number, stop: StopReason, tokens: number, digest: string }

export function sha256Hex (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** One event as a JSON Lines line. */
export function eventLine (e: AgentEvent): string {
  return `${JSON.stringify(e)}\n`
}

/** The events in a run's streamed text (lines that are not events are skipped). */
export function parseEventLines (text: string): AgentEvent[] {
  const out: AgentEvent[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      const v = JSON.parse(line) as { event?: unknown }
      if (typeof v === 'object' && v != null && typeof v.event === 'string') out.push(v as AgentEvent)
    } catch {}
  }
  return out
}
