/**
 * An agent profile: what `mycel agent create` records. The shape checks a
 * profile whether it comes from the CLI, the API or the node's database, so
 * a damaged record is refused like bad input. The budget an `agent.run`
 * asks for is the profile's, lowered, never raised.
 */
import { AGENT_NAME } from '../../identity/agent-cert.ts'
import { arrayOf, bool, object, oneOf, optional, parse, str, uint, type Infer } from '../../protocol/shape.ts'
import * as c from './constants.ts'
import { InvalidAgentProfileError } from './errors.ts'

/** A tool pattern: `fs.read_text_file`, `fs.*`, `*` (policy's name globs). */
const PATTERN = str({ min: 1, max: c.PATTERN_MAX_CHARS, pattern: /^(?:\*|[A-Za-z0-9][A-Za-z0-9._:/@+-]*\*?)$/ })

const BudgetShape = object({
  maxSteps: uint({ min: 1, max: c.MAX_STEPS_LIMIT }),
  maxTokens: uint({ min: 1, max: c.MAX_TOKENS_LIMIT }),
  timeoutMs: uint({ min: 1, max: c.TIMEOUT_LIMIT_MS })
})
export type AgentBudget = Infer<typeof BudgetShape>

const ProfileShape = object({
  name: AGENT_NAME,
  model: str({ min: 1, max: c.MODEL_NAME_MAX_CHARS }),
  system: optional(str({ max: c.SYSTEM_MAX_CHARS })),
  description: optional(str({ max: c.DESCRIPTION_MAX_CHARS })),
  tools: arrayOf(PATTERN, { max: c.PROFILE_LIST_MAX }),
  collections: arrayOf(PATTERN, { max: c.PROFILE_LIST_MAX }),
  budget: BudgetShape,
  /** Tool and document text reaches the planner only through a tool-less reader (node/guard quarantine). */
  quarantine: bool,
  /** `required` makes every step a call (grammar-forced): the run ends at its budget. */
  toolChoice: oneOf(['auto', 'required'] as const),
  /** The agent's ed25519 public key, hex. */
  publicKey: str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ }),
  createdAt: uint()
})
export type AgentProfile = Infer<typeof ProfileShape>

/** What `agent create` takes; the rest gets defaults. */
export interface AgentSpec {
  name: string
  model: string
  system?: string
  description?: string
  tools?: string[]
  collections?: string[]
  maxSteps?: number
  maxTokens?: number
  timeoutMs?: number
  quarantine?: boolean
  toolChoice?: 'auto' | 'required'
}

export function parseProfile (value: unknown): AgentProfile {
  try {
    return parse(ProfileShape, value, 'agent profile')
  } catch (err) {
    throw new InvalidAgentProfileError((err as Error).message)
  }
}

/** A profile from a spec, checked; `publicKey` and `createdAt` are the store's. */
export function profileOf (spec: AgentSpec, publicKey: string, now: number): AgentProfile {
  return parseProfile({
    name: spec.name,
    model: spec.model,
    ...(spec.system != null ? { system: spec.system } : {}),
    ...(spec.description != null ? { description: spec.description } : {}),
    tools: [...new Set(spec.tools ?? [])],
    collections: [...new Set(spec.collections ?? [])],
    budget: {
      maxSteps: spec.maxSteps ?? c.DEFAULT_MAX_STEPS,
      maxTokens: spec.maxTokens ?? c.DEFAULT_MAX_TOKENS,
      timeoutMs: spec.timeoutMs ?? c.DEFAULT_TIMEOUT_MS
    },
    quarantine: spec.quarantine ?? false,
    toolChoice: spec.toolChoice ?? 'auto',
    publicKey,
    createdAt: now
  })
}

/** The profile's budget, each field lowered to what the run asks for (never raised). */
export function runBudget (profile: AgentBudget, asked: Partial<AgentBudget> = {}): AgentBudget {
  return {
    maxSteps: Math.min(profile.maxSteps, asked.maxSteps ?? Infinity),
    maxTokens: Math.min(profile.maxTokens, asked.maxTokens ?? Infinity),
    timeoutMs: Math.min(profile.timeoutMs, asked.timeoutMs ?? Infinity)
  }
}

/** Whether a name matches one of the profile's patterns (`*`, `prefix*`, exact). */
export function matchesAny (patterns: readonly string[], name: string): boolean {
  return patterns.some(p => p === '*' || (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name))
}
