/**
 * Control API routes for agent profiles: `GET /api/agents`,
 * `GET /api/agents/:name`, `POST /api/agents` (create) and
 * `DELETE /api/agents/:name`. Running one is a task (`POST /api/tasks`
 * with kind `agent.run`), routed and streamed like any other.
 */
import type { ApiServer } from './server.ts'
import type { AgentsModule } from './modules.ts'
import { body } from './body.ts'
import { HttpError, MalformedApiResponseError } from './errors.ts'
import { arrayOf, bool, object, oneOf, optional, str, uint } from '../../protocol/shape.ts'
import { AGENT_NAME } from '../../identity/agent-cert.ts'
import { agentsConstants as c, parseProfile, type AgentProfile } from '../agents/index.ts'

const CreateBody = object({
  name: AGENT_NAME,
  model: str({ min: 1, max: c.MODEL_NAME_MAX_CHARS }),
  system: optional(str({ max: c.SYSTEM_MAX_CHARS })),
  description: optional(str({ max: c.DESCRIPTION_MAX_CHARS })),
  tools: optional(arrayOf(str({ min: 1, max: c.PATTERN_MAX_CHARS }), { max: c.PROFILE_LIST_MAX })),
  collections: optional(arrayOf(str({ min: 1, max: c.PATTERN_MAX_CHARS }), { max: c.PROFILE_LIST_MAX })),
  maxSteps: optional(uint({ min: 1, max: c.MAX_STEPS_LIMIT })),
  maxTokens: optional(uint({ min: 1, max: c.MAX_TOKENS_LIMIT })),
  timeoutMs: optional(uint({ min: 1, max: c.TIMEOUT_LIMIT_MS })),
  quarantine: optional(bool),
  toolChoice: optional(oneOf(['auto', 'required'] as const))
})

export function registerAgentRoutes (api: ApiServer, { agents }: { agents: AgentsModule }): void {
  api.route('GET', '/api/agents', async () => agents.list())
  api.route('GET', '/api/agents/:name', async ({ params }) => {
    const p = agents.get(params.name ?? '')
    if (p == null) throw new HttpError('not-found', `No agent named ${JSON.stringify(params.name)} on this node`)
    return p
  })
  api.route('POST', '/api/agents', async ({ body: b }) => await agents.create(body(CreateBody, b, 'agent profile')))
  api.route('DELETE', '/api/agents/:name', async ({ params }) => await agents.remove(params.name ?? ''))
}

/** An agent profile as a client reads it (checked like any answer). */
export function parseAgentProfile (value: unknown): AgentProfile {
  try {
    return parseProfile(value)
  } catch (err) {
    throw new MalformedApiResponseError((err as Error).message)
  }
}

export function parseAgentList (value: unknown): AgentProfile[] {
  if (!Array.isArray(value)) throw new MalformedApiResponseError('Expected a list of agents')
  return value.map(parseAgentProfile)
}
