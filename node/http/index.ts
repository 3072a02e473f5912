/**
 * Everything the node serves over HTTP, registered on one server from the
 * node's modules (`ApiModules`, `api/modules.ts`): the control API, the
 * OpenAI-compatible API, Anthropic's Messages API, the Ollama API subset, MCP, A2A (`/.well-known/agent-card.json`, `/a2a`), the dashboard, and `/health`, `/ready` and
 * `/metrics` (`health.ts`). The node builds the modules
 * from its services and calls this once; no route sees the node itself.
 *
 * @example
 * const server = new ApiServer({ token, logger, errorBody })
 * registerApi(server, modules)
 * await server.listen('127.0.0.1', 7878)
 * await server.close() // ends open streams with a last error line
 */
import type { ApiServer } from '../api/server.ts'
import type { ApiModules } from '../api/modules.ts'
import { registerControlRoutes } from '../api/control-routes.ts'
import { registerTaskRoutes } from '../api/task-routes.ts'
import { registerMemoryRoutes } from '../api/memory-routes.ts'
import { registerModelRoutes } from '../api/model-routes.ts'
import { registerToolRoutes } from '../api/tool-routes.ts'
import { registerSourceRoutes } from '../api/source-routes.ts'
import { registerAgentRoutes } from '../api/agent-routes.ts'
import { registerSessionRoutes } from '../api/session-routes.ts'
import { registerOpenAiRoutes } from '../openai/index.ts'
import { registerAnthropicRoutes } from '../anthropic/index.ts'
import { registerResponsesRoutes } from '../responses/index.ts'
import { registerOllamaRoutes } from '../ollama/index.ts'
import { registerMcpRoute } from '../mcp/http.ts'
import { registerA2aRoutes } from '../a2a/index.ts'
import { registerDashboardRoutes } from '../dashboard/routes.ts'
import { registerHealthRoutes } from './health.ts'
import { registerSeriesRoutes } from './series.ts'
import { errorBody } from './error-body.ts'

/** Registers every route group on `server`, each with only the modules it uses. */
export function registerApi (server: ApiServer, modules: ApiModules): void {
  registerControlRoutes(server, modules)
  registerTaskRoutes(server, modules)
  registerMemoryRoutes(server, modules)
  registerModelRoutes(server, modules)
  registerToolRoutes(server, modules)
  registerSourceRoutes(server, modules)
  if (modules.agents != null) registerAgentRoutes(server, { agents: modules.agents })
  registerSessionRoutes(server, modules)
  registerOpenAiRoutes(server, modules)
  registerResponsesRoutes(server, modules)
  registerAnthropicRoutes(server, modules)
  registerOllamaRoutes(server, modules)
  registerMcpRoute(server, modules)
  registerA2aRoutes(server, modules)
  registerDashboardRoutes(server)
  registerHealthRoutes(server, modules)
  registerSeriesRoutes(server, modules)
}

export { errorBody }
