/**
 * What this node serves from its own machine: the local inference runtime
 * over the verified model registry, and its memory. Registers the task kinds
 * they back (`echo` always; `llm.*` with a runtime; `memory.*`) and keeps the
 * models and collections the capability card shows in step with the disk,
 * where `mycel models add/rm` and `mycel memory` change them.
 */
import { join } from 'node:path'
import type { Logger } from './logger.ts'
import { createLogger } from './logger.ts'
import type { HomePaths } from './home/home.ts'
import { ModelRegistry } from './runtime/registry.ts'
import { Runtime, type RuntimeInit } from './runtime/runtime.ts'
import type { TaskKindRegistry } from './tasks/registry.ts'
import { TaskFailedError } from './tasks/errors.ts'
import { echoKind } from './tasks/kinds/echo.ts'
import { cardModels, llmKinds } from './tasks/kinds/llm.ts'
import { memoryKinds } from './tasks/kinds/memory.ts'
import { memoryService, runtimeEmbedder, type NodeMemory } from './memory/node-memory.ts'
import { DEFAULT_COLLECTION_CLASS } from './memory/classes.ts'
import type { CardModel } from '../protocol/cards/card.ts'
import type { DataClass } from '../protocol/task/messages.ts'

export interface LocalServicesInit {
  paths: HomePaths
  tasks: TaskKindRegistry
  logger: Logger
  /** `false` runs without inference (no `llm.*` kinds). */
  runtime?: RuntimeInit | false
  passphrase?: string
  /** Registered model whose embeddings join BM25 in memory search. */
  embedModel?: string
  /** This node's peer id, to tell local callers from remote ones. */
  self: () => string
  /** Whether a remote peer's policy lets it read a collection with a memory kind. */
  mayRead: (peerId: string, kind: string, collection: string, dataClass: DataClass) => boolean
}

export class LocalServices {
  runtime?: Runtime
  memory?: NodeMemory
  /** Registered models as the card shows them. */
  models: CardModel[] = []
  private readonly init: LocalServicesInit

  constructor (init: LocalServicesInit) {
    this.init = init
  }

  async start (): Promise<void> {
    const { init } = this
    init.tasks.register(echoKind())
    if (init.runtime !== false) {
      const registry = new ModelRegistry({ dir: init.paths.modelsDir })
      const runtime = this.runtime = new Runtime({ registry, logger: createLogger('mycel:node:runtime') }, { onWarning: (m) => { init.logger.error('%s', m) }, ...init.runtime })
      await runtime.start()
      for (const kind of llmKinds(runtime)) init.tasks.register(kind)
      await this.refreshModels()
    }
    const runtime = this.runtime
    const memory = this.memory = memoryService(init.passphrase != null ? { passphrase: init.passphrase } : {})({
      files: { memoryDir: join(init.paths.dataDir, 'memory'), collections: join(init.paths.root, 'collections.json') },
      logger: init.logger,
      ...(runtime != null && init.embedModel != null ? { embed: runtimeEmbedder(runtime, init.embedModel) } : {})
    })
    await memory.start()
    for (const kind of memoryKinds({
      store: memory.store,
      self: init.self,
      classOf: (c) => this.classOf(c),
      mayRead: (peerId, kind, collection) => init.mayRead(peerId, kind, collection, this.classOf(collection)),
      ...(runtime != null
        ? {
            generate: async (prompt, o) => {
              const model = o.model ?? this.models[0]?.name
              if (model == null) throw new TaskFailedError('unavailable', 'This node has no model to answer with')
              return await runtime.complete({ model, prompt, priority: 'delegated', signal: o.signal, onText: o.onText, ...(o.maxTokens != null ? { maxTokens: o.maxTokens } : {}), ...(o.temperature != null ? { temperature: o.temperature } : {}) })
            }
          }
        : {})
    })) init.tasks.register(kind)
  }

  /** The data class of a memory collection (`collections.json`; `internal` by default). */
  classOf (collection: string): DataClass {
    return this.memory?.classOf(collection) ?? DEFAULT_COLLECTION_CLASS
  }

  async refreshModels (): Promise<void> {
    if (this.runtime == null) return
    try { this.models = await cardModels(this.runtime) } catch (err) { this.init.logger('could not list models: %s', (err as Error).message) }
  }

  /** Re-reads models and collections; true when what the card shows changed. */
  async refresh (): Promise<boolean> {
    const before = JSON.stringify([this.models, this.memory?.advertisedCollections()])
    await this.refreshModels()
    await this.memory?.refresh()
    return JSON.stringify([this.models, this.memory?.advertisedCollections()]) !== before
  }

  async stop (): Promise<void> {
    await this.runtime?.stop().catch(() => {})
    await this.memory?.stop().catch(() => {})
  }
}
