/**
 * Errors of the local inference runtime and model registry. Callers branch on
 * `.name` (or on `.code` when mapping onto the wire's closed list of codes),
 * never on message text.
 */

/** Stable short codes for the errors that can reach a remote caller. */
export type RuntimeErrorCode =
  | 'unknown-model' | 'model-hash-mismatch' | 'model-digest-mismatch' | 'invalid-model-file' | 'model-exists' | 'invalid-model-uri'
  | 'busy' | 'max-tokens-exceeded' | 'prompt-too-long' | 'canceled' | 'timeout' | 'unknown-task'
  | 'runtime-stopped' | 'invalid-request' | 'download-stalled'

abstract class RuntimeError extends Error {
  abstract readonly code: RuntimeErrorCode
}

export class UnknownModelError extends RuntimeError {
  static override name = 'UnknownModelError'
  readonly code = 'unknown-model'
  readonly model: string
  constructor (model: string, message = `Unknown model "${model}" (see \`mycel models list\`)`) {
    super(message)
    this.name = UnknownModelError.name
    this.model = model
  }
}

/** The file on disk is no longer the file that was registered. */
/** A model file whose digest is not the one the user said it must have (`--sha256`): nothing was registered. */
export class ModelDigestMismatchError extends RuntimeError {
  static override name = 'ModelDigestMismatchError'
  readonly code = 'model-digest-mismatch'
  readonly expected: string
  readonly actual: string
  constructor (source: string, expected: string, actual: string) {
    super(`${source} has sha256 ${actual}, not the expected ${expected}; nothing was registered`)
    this.name = ModelDigestMismatchError.name
    this.expected = expected
    this.actual = actual
  }
}

export class ModelHashMismatchError extends RuntimeError {
  static override name = 'ModelHashMismatchError'
  readonly code = 'model-hash-mismatch'
  readonly model: string
  readonly expected: string
  readonly actual: string
  constructor (model: string, expected: string, actual: string) {
    super(`Model "${model}" changed on disk since it was registered (sha256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…); refusing to load it`)
    this.name = ModelHashMismatchError.name
    this.model = model
    this.expected = expected
    this.actual = actual
  }
}

/** Not a GGUF file, or a truncated or corrupt one. */
export class InvalidModelFileError extends RuntimeError {
  static override name = 'InvalidModelFileError'
  readonly code = 'invalid-model-file'
  readonly path: string
  constructor (path: string, reason: string) {
    super(`Not a usable GGUF model: ${path}: ${reason}`)
    this.name = InvalidModelFileError.name
    this.path = path
  }
}

export class ModelExistsError extends RuntimeError {
  static override name = 'ModelExistsError'
  readonly code = 'model-exists'
  constructor (model: string, message = `A model named "${model}" is already registered (remove it first, or pick another --name)`) {
    super(message)
    this.name = ModelExistsError.name
  }
}

export class InvalidModelUriError extends RuntimeError {
  static override name = 'InvalidModelUriError'
  readonly code = 'invalid-model-uri'
  constructor (uri: string, reason = 'expected hf:OWNER/REPO[:QUANT], hf:OWNER/REPO/FILE.gguf or an https:// URL of a .gguf file') {
    super(`Invalid model URI "${uri.length > 80 ? uri.slice(0, 77) + '...' : uri}": ${reason}`)
    this.name = InvalidModelUriError.name
  }
}

/** A model download got no answer, or stopped sending, for too long; nothing was registered or kept. */
export class ModelDownloadStalledError extends RuntimeError {
  static override name = 'ModelDownloadStalledError'
  readonly code = 'download-stalled'
  readonly phase: 'connect' | 'idle'
  constructor (uri: string, phase: 'connect' | 'idle', ms: number) {
    const what = phase === 'connect' ? `no data arrived within ${ms / 1000} s` : `no data for ${ms / 1000} s mid-download`
    super(`Download of "${uri.length > 80 ? uri.slice(0, 77) + '...' : uri}" stalled: ${what}; nothing was registered`)
    this.name = ModelDownloadStalledError.name
    this.phase = phase
  }
}

/** The queue is full. Retry after `retryAfterMs`; the task was not accepted. */
export class RuntimeBusyError extends RuntimeError {
  static override name = 'RuntimeBusyError'
  readonly code = 'busy'
  readonly retryAfterMs: number
  constructor (retryAfterMs: number) {
    super(`Runtime busy: queue full, retry after ${retryAfterMs} ms`)
    this.name = RuntimeBusyError.name
    this.retryAfterMs = retryAfterMs
  }
}

/**
 * Admission by context: the task's prompt plus its `maxTokens` need more KV
 * cells than a sequence of this model holds. `busy` rather than invalid: a
 * member with a larger context can take it, so a router tries another.
 */
export class ContextBudgetError extends RuntimeBusyError {
  static override name = 'ContextBudgetError'
  readonly neededTokens: number
  readonly contextSize: number
  constructor (neededTokens: number, contextSize: number, retryAfterMs: number) {
    super(retryAfterMs)
    this.name = ContextBudgetError.name
    this.message = `Runtime busy: the task needs ${neededTokens} tokens of context (prompt plus maxTokens), a sequence holds ${contextSize}`
    this.neededTokens = neededTokens
    this.contextSize = contextSize
  }
}

export class MaxTokensExceededError extends RuntimeError {
  static override name = 'MaxTokensExceededError'
  readonly code = 'max-tokens-exceeded'
  readonly maxTokens: number
  readonly limit: number
  constructor (maxTokens: number, limit: number) {
    super(`maxTokens ${maxTokens} is above the limit of ${limit}`)
    this.name = MaxTokensExceededError.name
    this.maxTokens = maxTokens
    this.limit = limit
  }
}

export class PromptTooLongError extends RuntimeError {
  static override name = 'PromptTooLongError'
  readonly code = 'prompt-too-long'
  readonly promptTokens: number
  readonly contextSize: number
  constructor (promptTokens: number, contextSize: number) {
    super(`Prompt of ${promptTokens} tokens does not fit the context of ${contextSize} tokens`)
    this.name = PromptTooLongError.name
    this.promptTokens = promptTokens
    this.contextSize = contextSize
  }
}

export class TaskCanceledError extends RuntimeError {
  static override name = 'TaskCanceledError'
  readonly code = 'canceled'
  constructor (message = 'Task canceled') {
    super(message)
    this.name = TaskCanceledError.name
  }
}

export class TaskTimeoutError extends RuntimeError {
  static override name = 'TaskTimeoutError'
  readonly code = 'timeout'
  constructor (timeoutMs: number) {
    super(`Task did not finish within ${timeoutMs} ms`)
    this.name = TaskTimeoutError.name
  }
}

export class UnknownTaskError extends RuntimeError {
  static override name = 'UnknownTaskError'
  readonly code = 'unknown-task'
  constructor (taskId: string) {
    super(`No running or queued task "${taskId}"`)
    this.name = UnknownTaskError.name
  }
}

export class RuntimeStoppedError extends RuntimeError {
  static override name = 'RuntimeStoppedError'
  readonly code = 'runtime-stopped'
  constructor (message = 'The runtime is not running') {
    super(message)
    this.name = RuntimeStoppedError.name
  }
}

/** A request that no model could serve as given (bad numbers, empty input). */
export class InvalidRequestError extends RuntimeError {
  static override name = 'InvalidRequestError'
  readonly code = 'invalid-request'
  /** The request field at fault, in the runtime's names (`tools[0].parameters`), when one is. */
  readonly field: string | undefined
  constructor (message: string, field?: string) {
    super(field != null ? `${field}: ${message}` : message)
    this.name = InvalidRequestError.name
    this.field = field
  }
}

/** The code of a runtime error, or undefined for anything else (an internal failure). */
export function runtimeErrorCode (err: unknown): RuntimeErrorCode | undefined {
  return err instanceof RuntimeError ? err.code : undefined
}
