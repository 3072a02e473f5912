/**
 * Anthropic's Messages API (`POST /v1/messages`) on the node's HTTP server,
 * so Anthropic-API clients reach the mesh's models. The API key is the
 * node's token, sent as `x-api-key` or as a bearer token.
 *
 * @example
 * registerAnthropicRoutes(api, { tasks })
 * // then: new Anthropic({ baseURL: apiUrl, apiKey: token })
 */
export { registerAnthropicRoutes, type AnthropicModules } from './routes.ts'
export { anthropicError, type AnthropicErrorBody } from './errors.ts'
export { parseMessagesRequest, type MessagesRequest } from './requests.ts'
