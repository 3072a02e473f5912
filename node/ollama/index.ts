/**
 * The Ollama API subset (`/api/tags`, `/api/chat`, `/api/generate`,
 * `/api/embed`, `/api/ps`, `/api/version`) on the node's HTTP server, so
 * chat front-ends made for Ollama reach the mesh's models. These paths
 * share `/api/` with the control API (docs/decisions.md); the node's token
 * is required as on every `/api/` path.
 *
 * @example
 * registerOllamaRoutes(api, { tasks, node })
 * // then: new Ollama({ host: apiUrl, headers: { Authorization: `Bearer ${token}` } })
 */
export { registerOllamaRoutes, type OllamaModules } from './routes.ts'
export { ollamaError, OLLAMA_PATHS } from './errors.ts'
export { parseOllamaChat, parseOllamaEmbed, parseOllamaGenerate } from './requests.ts'
