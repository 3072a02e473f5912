/**
 * Everything that needs node-llama-cpp's values (llama.cpp's binding and the
 * classes over it), in one module that is imported only when a model is
 * first needed (`loadEngine()`): importing node-llama-cpp alone costs about
 * a second, and a node without a model never pays it. The rest of the
 * runtime imports node-llama-cpp for types only.
 */
export { getLlama, LlamaLogLevel } from 'node-llama-cpp'
export { chatPromptTokens, completionPromptTokens } from './chat.ts'
export { FallbackChatWrapper } from './fallback-wrapper.ts'
export { toolChat } from './tool-chat.ts'
export { tokenBiasFor } from './sampling.ts'
export { ModelPool } from './model-pool.ts'
