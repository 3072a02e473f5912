/**
 * The local inference runtime: serves the registered models through
 * node-llama-cpp, on the GPU when there is a usable one.
 *
 * Every task goes through the scheduler (bounded priority queue, one slot per
 * context sequence), then onto a loaded model's shared context, so concurrent
 * tasks on a model decode in one batch. Tasks can be canceled by signal or by
 * id, and time out.
 */
import type { Llama } from 'node-llama-cpp'
import { createLogger, type Logger } from '../logger.ts'
import { hasToolTurns, validateMessages } from './messages.ts'
import { usesToolPath, validateChatTools } from './tools.ts'
import type { ChatRequest, CompleteRequest, EmbedRequest, EmbedResult, GenerateOptions, TaskOptions } from './requests.ts'
import { MAX_QUEUED_TASKS, SEQUENCES_PER_MODEL, TASK_TIMEOUT_MS } from './constants.ts'
import { InvalidRequestError, MaxTokensExceededError, PromptTooLongError, RuntimeStoppedError } from './errors.ts'
import { disposeLlama, openBackend } from './backend.ts'
import { DecodeRates, type DecodeRate } from './decode-rates.ts'
import type { GenerateResult } from './generate.ts'
import { runGeneration, type GenerationPlan } from './generation.ts'
import type { HardwareInfo } from './hardware.ts'
import { contextSizeFor, maxTokensFor } from './limits.ts'
import type { Engine } from './load-engine.ts'
import type { ModelPool, LoadedModel } from './model-pool.ts'
import type { ModelRegistry } from './registry.ts'
import { checkEmbedInput, checkGeneration, checkSessionKey } from './request-checks.ts'
import type { ModelStatus, RuntimeComponents, RuntimeInit, RuntimeStats } from './runtime-init.ts'
import { Scheduler } from './scheduler.ts'
import { TaskRunner, type TaskBody } from './task-runner.ts'

export type { ChatRequest, CompleteRequest, EmbedRequest, EmbedResult, GenerateOptions, TaskOptions }
export type { ModelStatus, RuntimeComponents, RuntimeInit, RuntimeStats }
export { defaultThreads } from './backend.ts'

export function runtime (init: RuntimeInit = {}): (components: RuntimeComponents) => Runtime {
  return (components: RuntimeComponents) => new Runtime(components, init)
}

export class Runtime {
  private readonly registry: ModelRegistry
  private readonly log: Logger
  private readonly init: RuntimeInit
  private readonly sequences: number
  private readonly scheduler: Scheduler
  private readonly runner: TaskRunner
  private readonly rates = new DecodeRates()
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
    this.runner = new TaskRunner(this.scheduler, init.taskTimeoutMs ?? TASK_TIMEOUT_MS)
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
    const b = await openBackend(this.init, this.registry, this.sequences, this.log)
    this.engine = b.engine
    this.llama = b.llama
    this.hw = b.hw
    this.pool = b.pool
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
    await this.runner.abortAll(new RuntimeStoppedError('The runtime stopped during the task'))
    await this.pool?.unloadAll()
    if (this.init.llama == null && this.llama != null) await disposeLlama(this.llama, this.pool?.failedNativeLoads ?? 0, this.log)
    this.llama = undefined
    this.pool = undefined
    this.log('stopped')
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.stop()
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
      promptTokens: { reused: cache.reusedTokens, restored: cache.restoredTokens, evaluated: cache.evaluatedTokens },
      decodeSteps: this.pool?.stepStats() ?? { lined: 0, overdue: 0 }
    }
  }

  /** Tokens per second this runtime decodes each model at, as measured on its generations (a moving average). */
  decodeRates (): DecodeRate[] {
    return this.rates.list()
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
      contextSize: contextSizeFor(this.init, m),
      maxTokens: maxTokensFor(this.init, m),
      sequences: this.sequences,
      freeContext: this.freeSequences(m.name) * contextSizeFor(this.init, m)
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
    this.runner.cancel(taskId)
  }

  async complete (req: CompleteRequest): Promise<GenerateResult> {
    if (typeof req.prompt !== 'string') throw new InvalidRequestError('prompt must be a string')
    return await this.generateTask(req, loaded => ({ prompt: this.requireEngine().completionPromptTokens(loaded.model, req.prompt) }))
  }

  async chat (req: ChatRequest): Promise<GenerateResult> {
    validateMessages(req.messages)
    validateChatTools(req)
    checkSessionKey(req.sessionKey)
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
    checkEmbedInput(req)
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

  /** Checks, then a generation on a sequence of the loaded model; `plan` gives the prompt or an engine of its own. */
  private async generateTask (req: GenerateOptions & Pick<ChatRequest, 'sessionKey'>, plan: (loaded: LoadedModel) => GenerationPlan): Promise<GenerateResult> {
    const checked = checkGeneration(req)
    return await this.task(req, 'generate', async (loaded, signal) => await runGeneration(loaded, signal, req, checked, plan(loaded), {
      engine: this.requireEngine(),
      limit: maxTokensFor(this.init, loaded.entry),
      retryAfterMs: () => this.scheduler.retryAfterMs(loaded.entry.name),
      onDecoded: (tokens, ms) => { this.rates.record(loaded.entry.name, tokens, ms) },
      ...(this.init.stream != null ? { stream: this.init.stream } : {}),
      ...(req.sessionKey != null ? { session: req.sessionKey } : {})
    }), checked.maxTokens)
  }

  /** Registry lookup and limits, then the task runner: queue, load, run, cleanup. */
  private async task<T> (opts: TaskOptions, kind: 'generate' | 'embed', body: TaskBody<T>, maxTokens?: number): Promise<T> {
    await this.warm()
    const pool = this.requirePool()
    const entry = await this.registry.resolve(opts.model)
    const limit = maxTokensFor(this.init, entry)
    if (maxTokens != null && maxTokens > limit) throw new MaxTokensExceededError(maxTokens, limit)
    return await this.runner.run(opts, kind === 'embed' ? `${entry.name}#embed` : entry.name, pool, entry, body)
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
