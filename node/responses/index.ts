/**
 * OpenAI's Responses API (`POST /v1/responses`) on the node's HTTP server,
 * beside the chat completions, with the same token: the OpenAI Agents SDK's
 * default model provider reaches the mesh unchanged. Stateless (`store:
 * false`): each request carries its whole conversation.
 *
 * @example
 * registerResponsesRoutes(api, { tasks })
 * // then: new OpenAI({ baseURL: `${apiUrl}/v1`, apiKey: token }).responses.create({ model, input: 'hi' })
 */
export { registerResponsesRoutes, type ResponsesModules } from './routes.ts'
export { parseResponsesRequest, type ResponsesRequest, type InputItem, type FunctionTool, type ToolChoice, type TextFormat } from './requests.ts'
export { ResponseOutput, type Produced } from './output.ts'
