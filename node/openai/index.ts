/**
 * The OpenAI-compatible API (`/v1/models`, `/v1/chat/completions`,
 * `/v1/completions`, `/v1/embeddings`) on the node's HTTP server, so existing
 * OpenAI clients reach the mesh unchanged. The API key is the node's token.
 *
 * @example
 * const api = new ApiServer({ token, logger, errorBody: apiErrorBody })
 * registerOpenAiRoutes(api, { tasks, node })
 * // then: new OpenAI({ baseURL: `${apiUrl}/v1`, apiKey: token })
 */
export { registerOpenAiRoutes, type OpenAiModules } from './routes.ts'
export { apiErrorBody, openAiError, OpenAiRequestError } from './errors.ts'
export { listModels, type OpenAiModel } from './models.ts'
export { checkBody, stopSequences, parseChatRequest, parseCompletionRequest, parseEmbeddingsRequest, unsupportedUnless, unsupportedUnlessEmpty } from './requests.ts'
