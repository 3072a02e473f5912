/** The options a session turn takes on the command line (`mycel chat`, `mycel run --session`), checked before any request. */
import type { OptionSpec } from '../command.ts'
import type { ApiClient } from '../../api/client.ts'
import type { SessionTurnRequestBody } from '../../api/session-body.ts'
import { DATA_CLASSES, type DataClass } from '../../../protocol/task/messages.ts'
import { UsageError } from '../errors.ts'
import { parseInteger, parseNumber } from '../parse.ts'
import { resolvePeer } from '../peer-ref.ts'

export const SESSION_OPTIONS: Record<string, OptionSpec> = {
  session: { type: 'string', help: 'Session to continue, or to start under this name (default: a new one)' },
  model: { type: 'string', help: 'Model name (default: the session\'s, else the first one known)' },
  class: { type: 'string', help: `Data class of the session's turns: ${DATA_CLASSES.join(', ')} (default local-only)` },
  'max-tokens': { type: 'string', help: 'Most tokens per reply' },
  temperature: { type: 'string', help: 'Sampling temperature; 0 is greedy and deterministic (default 0)' },
  seed: { type: 'string', help: 'Sampling seed' },
  peer: { type: 'string', help: 'Run the turns on this member (needs a class that may leave the node)' },
  agent: { type: 'string', help: 'Chat as this node\'s agent profile: its model, system text and memory (`mycel agent create`)' }
}

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>

/** The turn body's fields the flags set (all but session and messages). */
export async function sessionTurnFields (api: ApiClient, v: Values, signal: AbortSignal): Promise<Omit<SessionTurnRequestBody, 'session' | 'messages'>> {
  const dataClass = v.class as string | undefined
  if (dataClass != null && !(DATA_CLASSES as readonly string[]).includes(dataClass)) throw new UsageError(`--class must be one of ${DATA_CLASSES.join(', ')}`)
  const peer = v.peer != null ? await resolvePeer(api, v.peer as string, signal) : undefined
  return {
    ...(v.model != null ? { model: v.model as string } : {}),
    ...(v.agent != null ? { agent: v.agent as string } : {}),
    ...(dataClass != null ? { dataClass: dataClass as DataClass } : {}),
    ...(peer != null ? { peer } : {}),
    ...(v['max-tokens'] != null ? { maxTokens: parseInteger(v['max-tokens'] as string, '--max-tokens', { min: 1, max: 1_000_000 }) } : {}),
    ...(v.temperature != null ? { temperature: parseNumber(v.temperature as string, '--temperature', { min: 0, max: 5 }) } : {}),
    ...(v.seed != null ? { seed: parseInteger(v.seed as string, '--seed', { min: 0, max: 2 ** 32 - 1 }) } : {})
  }
}
