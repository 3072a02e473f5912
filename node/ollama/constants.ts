/** The Ollama API subset's constants. */

/**
 * The Ollama version `/api/version` reports: the Ollama API release whose
 * subset Mycel serves, so front-ends that gate features on the version
 * (think, tools) see one whose behaviour matches what is implemented.
 */
export const OLLAMA_API_VERSION = '0.12.0'
/** Most stop sequences in `options.stop`. */
export const MAX_OLLAMA_STOPS = 16
/** Longest stop sequence, in characters. */
export const MAX_OLLAMA_STOP_CHARS = 256
