/**
 * The local inference runtime: serves the registered models through
 * node-llama-cpp, on the GPU when there is a usable one.
 *
 * Every task goes through the scheduler (bounded priority queue, one slot per
 * context sequence), then onto a loaded model's shared context, so concurrent
 * tasks on a model decode in one batch. Tasks can be canceled by signal or by
 * id, and time out.
 */
import { availableParallelism } from 'node:os'
import type { Llama, LlamaGpuType } from 'node-llama-cpp'
import { createLogger, type Logger } from '../logger.ts'
import { hasToolTurns, validateMessages } from './messages.ts'
import { usesToolPath, validateChatTools } from './tools.ts'
import type { ChatRequest, CompleteRequest, EmbedRequest, EmbedResult, GenerateOptions, TaskOptions } from './requests.ts'
import {
  CONTEXT_SIZE_TOKENS, DEFAULT_MAX_TOKENS, LLAMA_DISPOSE_TIMEOUT_MS, MAX_EMBED_INPUTS, MAX_QUEUED_TASKS, MAX_TOKENS_LIMIT,
  MAX_STOP_SEQUENCES, MAX_STOP_SEQUENCE_CHARS, MODEL_KEEP_ALIVE_MS, SEQUENCES_PER_MODEL, TASK_TIMEOUT_MS,
  STATE_CACHE_MAX_BYTES, STATE_CACHE_MAX_FILES
} from './constants.ts'
import {
  InvalidRequestError, MaxTokensExceededError, PromptTooLongError, RuntimeStoppedError,
  TaskCanceledError, TaskTimeoutError, UnknownTaskError
} from './errors.ts'
import { admitByContext } from './context-budget.ts'
import { generate, type GenerateParams, type GenerateResult } from './generate.ts'
import { penaltiesFor, validatePenalties } from './penalties.ts'
import { detectHardware, type HardwareInfo } from './hardware.ts'
import type { ModelPool, LoadedModel } from './model-pool.ts'
import { loadEngine, type Engine } from './load-engine.ts'
import type { ModelRegistry, RegisteredModel } from './registry.ts'
import { Scheduler, type SchedulerStats, type TaskPriority } from './scheduler.ts'
import { StateStore } from './state-store.ts'
import type { ChunkCoalescerInit } from './stream.ts'
import type { Token } from 'node-llama-cpp'

/** What a generation engine gets from the runtime: a sequence, limits, sampling, the caller's stream. */
type EngineParams = Omit<GenerateParams, 'prompt' | 'onFirstToken'>
type GenerationPlan = { prompt: Token[] } | { run: (p: EngineParams) => Promise<GenerateResult> }

export type { ChatRequest, CompleteRequest, EmbedRequest, EmbedResult, GenerateOptions, TaskOptions }

export interface RuntimeInit {
  /** Context sequences (parallel task slots) per loaded model. @default SEQUENCES_PER_MODEL */
  sequences?: number
  /** Unload a model after this long without tasks. @default MODEL_KEEP_ALIVE_MS */
  keepAliveMs?: number
  /** Waiting tasks before `busy`. @default MAX_QUEUED_TASKS */
  maxQueuedTasks?: number
  /** Per-task limit, queue time included. @default TASK_TIMEOUT_MS */
  taskTimeoutMs?: number
  /** Largest `maxTokens` a task may ask for (also capped by the context). @default MAX_TOKENS_LIMIT */
  maxTokensLimit?: number
  /** Tokens per sequence, capped by the model's training context. @default CONTEXT_SIZE_TOKENS */
  contextSize?: number
  /** CPU threads per context. @default 1 on machines with 2 cores or fewer, else node-llama-cpp's choice */
  threads?: number
  /** GPU backend to ask node-llama-cpp for. @default 'auto' */
  gpu?: 'auto' | LlamaGpuType
  /** Chunking of streamed text. @default { intervalMs: STREAM_FLUSH_INTERVAL_MS, maxTokens: STREAM_FLUSH_TOKENS } */
  stream?: ChunkCoalescerInit
  /**
   * Load llama.cpp's binding only when a model is first needed, not in
   * `start()`; `hardware()` is known from then on (`warm()` loads it now).
   * @default false
   */
  lazyEngine?: boolean
  /**
   * Folder for the saved KV states of evicted sequences (state-store.ts);
   * none: an evicted state is dropped and re-evaluated when needed.
   */
  stateDir?: string
  /** Bounds of `stateDir`. @default { maxBytes: STATE_CACHE_MAX_BYTES, maxFiles: STATE_CACHE_MAX_FILES } */
  stateCache?: { maxBytes?: number, maxFiles?: number }
  /** Use this Llama instance instead of creating one (it is then not disposed on stop). */
  llama?: Llama
  /** Where loud hardware warnings go. @default process.emitWarning */
  onWarning?: (message: string) => void
}

export interface RuntimeComponents {
  registry: ModelRegistry
  logger?: Logger
}

export interface ModelStatus extends RegisteredModel {
  loaded: boolean
  /** Tokens per sequence this runtime gives the model. */
  contextSize: number
  /** Largest `maxTokens` accepted for it. */
  maxTokens: number
  sequences: number
  /** Context no task holds now: free sequences x `contextSize` (each sequence has its own KV cells). */
  freeContext: number
}

export interface RuntimeStats extends SchedulerStats {
  loadedModels: string[]
  sequencesPerModel: number
  /** Prompt tokens taken from resident sequence state, restored from disk, or evaluated, over the models loaded now (sequence-cache.ts). */
  promptTokens: { reused: number, restored: number, evaluated: number }
}

/**
 * CPU threads per context when none are configured. On 2 cores, llama.cpp's
 * spinning thread pool contends with Node's own threads and 2 threads run
 * 10-50x slower than 1 (measured; see docs/decisions.md).
 */
export function defaultThreads (): number | undefined {
  return availableParallelism() <= 2 ? 1 : undefined
}

export function runtime (init: RuntimeInit = {}): (components: RuntimeComponents) => Runtime {
  return (components: RuntimeComponents) => new Runtime(components, init)
}

export class Runtime {
  private readonly registry: ModelRegistry
  private readonly log: Logger
  private readonly init: RuntimeInit
  private readonly sequences: number
  private readonly scheduler: Scheduler
  private readonly tasks = new Map<string, AbortController>()
  private readonly inFlight = new Set<{ controller: AbortController, done: Promise<unknown> }>()
  private engine: Engine | undefined
  private llama: Llama | undefined
  private pool: ModelPool | undefined
  private hw: HardwareInfo | undefined
  private starting: Promise<void> | undefined
  private loading: Promise<void> | undefined

  constructor (components: RuntimeComponents, init: RuntimeInit = {}) {
    this.registry = components.registry
    this.log = components.logger ?? createLogger('mycel:node:runtime')
    this.init = init
    this.sequences = init.sequences ?? SEQUENCES_PER_MODEL
    this.scheduler = new Scheduler({
      maxQueued: init.maxQueuedTasks ?? MAX_QUEUED_TASKS,
      capacity: key => key.endsWith('#embed') ? 1 : this.sequences
    })
  }

  async start (): Promise<void> {
    this.starting ??= this.doStart()
    try { await this.starting } catch (err) { this.starting = undefined; throw err }
  }

  private async doStart (): Promise<void> {
    this.scheduler.start()
    if (this.init.lazyEngine !== true) await this.loadOnce()
    this.log('started')
  }

  /** Loads llama.cpp's binding and finds the hardware, once; a task does this itself when it is the first. */
  async warm (): Promise<void> {
    if (this.starting == null) throw new RuntimeStoppedError()
    await this.loadOnce()
  }

  private async loadOnce (): Promise<void> {
    this.loading ??= this.loadLlama()
    try { await this.loading } catch (err) { this.loading = undefined; throw err }
  }

  private async loadLlama (): Promise<void> {
    const log = this.log
    const engine = this.engine = await loadEngine()
    const { getLlama, LlamaLogLevel, ModelPool } = engine
    // build 'never': a node must never download or compile llama.cpp behind the user's back.
    this.llama = this.init.llama ?? await getLlama({
      gpu: this.init.gpu ?? 'auto',
      build: 'never',
      usePrebuiltBinaries: true,
      skipDownload: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => { log('llama.cpp %s: %s', level, message.trimEnd()) }
    })
    this.hw = await detectHardware(this.llama)
    for (const w of this.hw.warnings) (this.init.onWarning ?? ((m: string) => { process.emitWarning(m, { code: 'MYCEL_GPU_UNUSED' }) }))(w)
    const threads = this.init.threads ?? defaultThreads()
    this.pool = new ModelPool({
      llama: this.llama,
      registry: this.registry,
      log: this.log,
      sequences: this.sequences,
      keepAliveMs: this.init.keepAliveMs ?? MODEL_KEEP_ALIVE_MS,
      contextSize: entry => this.contextSizeFor(entry),
      ...(threads != null ? { threads } : {}),
      ...(this.init.stateDir != null
        ? {
            states: new StateStore({
              dir: this.init.stateDir,
              maxBytes: this.init.stateCache?.maxBytes ?? STATE_CACHE_MAX_BYTES,
              maxFiles: this.init.stateCache?.maxFiles ?? STATE_CACHE_MAX_FILES,
              log: this.log
            })
          }
        : {})
    })
    this.log('llama.cpp loaded: %s (%d cores)', this.hw.backend, this.hw.cpuCores)
  }

  /** Fails queued and running tasks (`RuntimeStoppedError`), unloads every model. Idempotent. */
  async stop (): Promise<void> {
    const starting = this.starting
    if (starting == null) return
    await starting.catch(() => {})
    await this.loading?.catch(() => {})
    this.starting = undefined
    this.loading = undefined
    this.scheduler.stop()
    for (const t of this.inFlight) t.controller.abort(new RuntimeStoppedError('The runtime stopped during the task'))
    await Promise.allSettled([...this.inFlight].map(async t => await t.done))
    await this.pool?.unloadAll()
    if (this.init.llama == null && this.llama != null) await this.disposeLlama(this.llama, this.pool?.failedNativeLoads ?? 0)
    this.llama = undefined
    this.pool = undefined
    this.log('stopped')
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.stop()
  }

  /**
   * Releases llama.cpp's backend without ever hanging `stop()`. After a failed
   * native load the dispose may never resolve (see `ModelPool.failedNativeLoads`),
   * and a wait on it holds nothing on the event loop: the process would go
   * idle with the promise pending. So it is started (it still disposes what is
   * reachable) and awaited only when no load failed, and then for a bounded time.
   */
  private async disposeLlama (llama: Llama, failedNativeLoads: number): Promise<void> {
    const disposed = llama.dispose().catch((err: Error) => { this.log.error('llama.cpp backend dispose failed: %s', err.message) })
    if (failedNativeLoads > 0) {
      this.log('not waiting for the llama.cpp backend: %d model load(s) failed, node-llama-cpp keeps a hold on it', failedNativeLoads)
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(true) }, LLAMA_DISPOSE_TIMEOUT_MS) })
    try {
      if (await Promise.race([disposed.then(() => false), timedOut])) this.log.error('llama.cpp backend not released after %d ms; going on', LLAMA_DISPOSE_TIMEOUT_MS)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Backend, GPU, memory and warnings, as detected at start. */
  hardware (): HardwareInfo {
    if (this.hw == null || this.starting == null) throw new RuntimeStoppedError()
    return { ...this.hw, warnings: [...this.hw.warnings] }
  }

  stats (): RuntimeStats {
    const cache = this.pool?.sequenceStats() ?? { reusedTokens: 0, restoredTokens: 0, evaluatedTokens: 0 }
    return {
      ...this.scheduler.stats(),
      loadedModels: this.pool?.loadedNames() ?? [],
      sequencesPerModel: this.sequences,
      promptTokens: { reused: cache.reusedTokens, restored: cache.restoredTokens, evaluated: cache.evaluatedTokens }
    }
  }

  /** How many times a model was loaded since start (an unload then a task makes it 2). */
  loadCount (name: string): number {
    return this.pool?.loads.get(name) ?? 0
  }

  /** The registered models with what this runtime offers for each (for the capability card). */
  async models (): Promise<ModelStatus[]> {
    return (await this.registry.list()).map(m => ({
      ...m,
      loaded: this.pool?.isLoaded(m.name) ?? false,
      contextSize: this.contextSizeFor(m),
      maxTokens: this.maxTokensFor(m),
      sequences: this.sequences,
      freeContext: this.freeSequences(m.name) * this.contextSizeFor(m)
    }))
  }

  /** Sequences of a model that no task holds now (all of them when it is not loaded). */
  freeSequences (name: string): number {
    return this.pool?.freeSequences(name) ?? this.sequences
  }

  /** Loads a model ahead of its first task (it still unloads after the keep-alive). */
  async load (name: string): Promise<void> {
    await this.warm()
    const pool = this.requirePool()
    const entry = await this.registry.resolve(name)
    await pool.use(entry)
    pool.release(name)
  }

  async unload (name: string): Promise<void> {
    await this.pool?.unload(name)
  }

  /** Cancels a queued or running task by the id it was given. */
  cancel (taskId: string): void {
    const c = this.tasks.get(taskId)
    if (c == null) throw new UnknownTaskError(taskId)
    c.abort(new TaskCanceledError())
  }

  async complete (req: CompleteRequest): Promise<GenerateResult> {
    if (typeof req.prompt !== 'string') throw new InvalidRequestError('prompt must be a string')
    return await this.generateTask(req, loaded => ({ prompt: this.requireEngine().completionPromptTokens(loaded.model, req.prompt) }))
  }

  async chat (req: ChatRequest): Promise<GenerateResult> {
    validateMessages(req.messages)
    validateChatTools(req)
    if (!usesToolPath(req) && !hasToolTurns(req.messages)) {
      return await this.generateTask(req, loaded => ({ prompt: this.requireEngine().chatPromptTokens(loaded.model, loaded.chatWrapper, req.messages) }))
    }
    return await this.generateTask(req, loaded => ({
      run: async (p) => await this.requireEngine().toolChat({
        ...p,
        llama: this.requireLlama(),
        wrapper: loaded.chatWrapper ?? new (this.requireEngine().FallbackChatWrapper)(loaded.model.tokens.shouldPrependBosToken && loaded.model.tokens.bos != null),
        messages: req.messages,
        options: req
      })
    }))
  }

  async embed (req: EmbedRequest): Promise<EmbedResult> {
    const input: unknown = req.input
    if (!Array.isArray(input) || input.length === 0 || input.length > MAX_EMBED_INPUTS || !input.every(s => typeof s === 'string' && s !== '')) {
      throw new InvalidRequestError(`input must be 1 to ${MAX_EMBED_INPUTS} non-empty strings`)
    }
    return await this.task(req, 'embed', async (loaded, signal) => {
      const ctx = await this.requirePool().embeddingContext(loaded)
      const embeddings: number[][] = []
      let promptTokens = 0
      for (const text of req.input) {
        signal.throwIfAborted()
        const n = loaded.model.tokenize(text).length + 1
        if (n > loaded.contextSize) throw new PromptTooLongError(n, loaded.contextSize)
        promptTokens += n
        embeddings.push([...(await ctx.getEmbeddingFor(text)).vector])
      }
      return { embeddings, usage: { promptTokens } }
    })
  }

  /**
   * What every generation shares: checks, sampling, a sequence of the loaded
   * model. `plan` gives either the prompt for the token loop (`generate`) or
   * an engine of its own (the function-calling chat).
   */
  private async generateTask (req: GenerateOptions, plan: (loaded: LoadedModel) => GenerationPlan): Promise<GenerateResult> {
    const asked = req.maxTokens
    let maxTokens = asked ?? DEFAULT_MAX_TOKENS
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) throw new InvalidRequestError('maxTokens must be a positive integer')
    const temperature = req.temperature ?? 0
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 10) throw new InvalidRequestError('temperature must be between 0 and 10')
    if (req.seed != null && (!Number.isSafeInteger(req.seed) || req.seed < 0)) throw new InvalidRequestError('seed must be a non-negative integer')
    validatePenalties(req)
    validateStops(req.stop)
    const penalties = penaltiesFor(req)
    return await this.task(req, 'generate', async (loaded, signal) => {
      const tokenBias = this.requireEngine().tokenBiasFor(loaded.model, req.logitBias)
      const limit = this.maxTokensFor(loaded.entry)
      if (maxTokens > limit) throw new MaxTokensExceededError(maxTokens, limit)
      const how = plan(loaded)
      if ('prompt' in how) maxTokens = admitByContext(how.prompt.length, asked, maxTokens, loaded.contextSize, () => this.scheduler.retryAfterMs(loaded.entry.name))
      // a resident sequence already holding the start of this prompt evaluates only the rest
      const { sequence, reused } = await loaded.sequences.acquire('prompt' in how ? how.prompt : undefined)
      let ok = false
      const params: EngineParams = {
        model: loaded.model,
        sequence,
        contextSize: loaded.contextSize,
        maxTokens,
        sampling: {
          temperature,
          ...(temperature > 0 ? { seed: req.seed ?? Math.floor(Math.random() * 2 ** 31) } : {}),
          ...(req.topK != null ? { topK: req.topK } : {}),
          ...(req.topP != null ? { topP: req.topP } : {}),
          ...(penalties != null ? { penalties } : {}),
          ...(tokenBias != null ? { tokenBias } : {})
        },
        signal,
        ...(req.stop != null && req.stop.length > 0 ? { stop: req.stop } : {}),
        ...(req.onText != null ? { onText: req.onText } : {}),
        ...(this.init.stream != null ? { stream: this.init.stream } : {})
      }
      try {
        const result = 'prompt' in how ? await generate({ ...params, prompt: how.prompt, reused }) : await how.run(params)
        ok = true
        return result
      } finally {
        // Back to the cache (or disposed, after a failure) before the scheduler slot is released.
        loaded.sequences.release(sequence, { ok })
      }
    }, maxTokens)
  }

  /** Registry lookup, limits, queue, load, run, cleanup: what every task kind shares. */
  private async task<T> (opts: TaskOptions, kind: 'generate' | 'embed', body: (loaded: LoadedModel, signal: AbortSignal) => Promise<T>, maxTokens?: number): Promise<T> {
    await this.warm()
    const pool = this.requirePool()
    const entry = await this.registry.resolve(opts.model)
    if (maxTokens != null && maxTokens > this.maxTokensFor(entry)) throw new MaxTokensExceededError(maxTokens, this.maxTokensFor(entry))
    if (opts.taskId != null && this.tasks.has(opts.taskId)) throw new InvalidRequestError(`task id "${opts.taskId}" is already in use`)
    const controller = new AbortController()
    const timeoutMs = opts.timeoutMs ?? this.init.taskTimeoutMs ?? TASK_TIMEOUT_MS
    const timer = setTimeout(() => { controller.abort(new TaskTimeoutError(timeoutMs)) }, timeoutMs)
    const onCallerAbort = (): void => { controller.abort(new TaskCanceledError()) }
    if (opts.signal?.aborted === true) onCallerAbort()
    else opts.signal?.addEventListener('abort', onCallerAbort, { once: true })
    if (opts.taskId != null) this.tasks.set(opts.taskId, controller)
    const run = async (): Promise<T> => {
      const key = kind === 'embed' ? `${entry.name}#embed` : entry.name
      const lease = await this.scheduler.acquire(key, opts.priority ?? 'interactive', controller.signal)
      const started = performance.now()
      try {
        const loaded = await pool.use(entry)
        try {
          if (controller.signal.aborted) throw controller.signal.reason
          return await body(loaded, controller.signal)
        } finally {
          pool.release(entry.name)
        }
      } finally {
        lease.release()
        this.scheduler.recordDuration(performance.now() - started)
      }
    }
    const done = run()
    const handle = { controller, done }
    this.inFlight.add(handle)
    try {
      return await done
    } finally {
      this.inFlight.delete(handle)
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onCallerAbort)
      if (opts.taskId != null && this.tasks.get(opts.taskId) === controller) this.tasks.delete(opts.taskId)
    }
  }

  private contextSizeFor (entry: RegisteredModel): number {
    const cap = this.init.contextSize ?? CONTEXT_SIZE_TOKENS
    return entry.contextLength > 0 ? Math.min(cap, entry.contextLength) : cap
  }

  private maxTokensFor (entry: RegisteredModel): number {
    return Math.min(this.init.maxTokensLimit ?? MAX_TOKENS_LIMIT, this.contextSizeFor(entry) - 1)
  }

  private requireEngine (): Engine {
    if (this.engine == null) throw new RuntimeStoppedError()
    return this.engine
  }

  private requireLlama (): Llama {
    if (this.llama == null) throw new RuntimeStoppedError()
    return this.llama
  }

  private requirePool (): ModelPool {
    if (this.pool == null) throw new RuntimeStoppedError()
    return this.pool
  }
}

function validateStops (stop: unknown): void {
  if (stop == null) return
  if (!Array.isArray(stop) || stop.length > MAX_STOP_SEQUENCES || !stop.every(s => typeof s === 'string' && s.length >= 1 && s.length <= MAX_STOP_SEQUENCE_CHARS)) {
    throw new InvalidRequestError(`stop must be at most ${MAX_STOP_SEQUENCES} strings of 1 to ${MAX_STOP_SEQUENCE_CHARS} characters`)
  }
}
