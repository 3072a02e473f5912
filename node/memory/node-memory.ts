/**
 * The node's memory service: the store on the home's memory folder (its own
 * database, so `mycel memory` can open it while no node runs), embeddings
 * when the assembly hands an embed function in, and the data class of every
 * collection (`collections.json`), kept in step for the capability card.
 *
 * @example
 * const mem = memoryService({ passphrase })({ files: paths, logger, embed })
 * await mem.start()
 * mem.classOf('hr')              // 'internal' unless classified
 * mem.advertisedCollections()    // what the card may name
 * await mem.stop()
 */
import type { Logger } from '../logger.ts'
import type { Runtime } from '../runtime/runtime.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import { advertisedCollections, DEFAULT_COLLECTION_CLASS, loadCollectionClasses, type ClassifiedCollection } from './classes.ts'
import type { ConversationMemory } from './conversation.ts'
import { StoreClosedError } from './errors.ts'
import { openMemory, type OpenedMemory } from './open.ts'
import type { EmbedFn, MemoryStore } from './store.ts'

/** Collections listed for the card at most (the card's own bound). */
const MAX_CARD_COLLECTIONS = 256

export interface NodeMemoryComponents {
  /** Where the store's database and the collection classes live (the home's paths). */
  files: { memoryDir: string, collections: string }
  logger: Logger
  /** Embeds texts for hybrid search; without it search is BM25 alone. */
  embed?: EmbedFn
  /** The registered model `embed` runs, named in the card beside collections that hold vectors. */
  embedModel?: string
}

export interface NodeMemoryInit {
  /** Derives the key the store is sealed with. @default unencrypted */
  passphrase?: string
}

export class NodeMemory {
  private readonly c: NodeMemoryComponents
  private readonly init: NodeMemoryInit
  private handle?: OpenedMemory
  private classes: Record<string, DataClass> = {}
  private listed: ClassifiedCollection[] = []
  private readonly listeners: Array<() => void | Promise<void>> = []

  constructor (components: NodeMemoryComponents, init: NodeMemoryInit = {}) {
    this.c = components
    this.init = init
  }

  /** Opens the store and reads the classes. Idempotent. */
  async start (): Promise<void> {
    if (this.handle != null) return
    this.handle = await openMemory(this.c.files.memoryDir, {
      ...(this.init.passphrase != null ? { passphrase: this.init.passphrase } : {}),
      ...(this.c.embed != null ? { embed: this.c.embed } : {})
    })
    await this.refresh()
  }

  /** Closes the store and its database. Idempotent. */
  async stop (): Promise<void> {
    const opened = this.handle
    this.handle = undefined
    await opened?.close()
  }

  /**
   * Opens a node memory from one init object.
   * @deprecated the earlier entry point, kept until the assembly switches to `memoryService(init)(components)`
   */
  static async open (init: { dir: string, classesPath: string, logger: Logger, passphrase?: string, embed?: EmbedFn, embedModel?: string }): Promise<NodeMemory> {
    const memory = new NodeMemory({
      files: { memoryDir: init.dir, collections: init.classesPath },
      logger: init.logger,
      ...(init.embed != null ? { embed: init.embed } : {}),
      ...(init.embedModel != null ? { embedModel: init.embedModel } : {})
    }, init.passphrase != null ? { passphrase: init.passphrase } : {})
    await memory.start()
    return memory
  }

  get store (): MemoryStore { return this.started().store }
  get conversations (): ConversationMemory { return this.started().conversations }
  /** @deprecated use `store` and `conversations`; `stop()` closes it */
  get opened (): OpenedMemory { return this.started() }
  /** What the card shows: the same as `advertisedCollections()`. */
  get collections (): ClassifiedCollection[] { return this.advertisedCollections() }
  /** @deprecated use `stop()` */
  async close (): Promise<void> { await this.stop() }

  /** The data class of a collection (`internal` unless classified). */
  classOf (collection: string): DataClass {
    return this.classes[collection] ?? DEFAULT_COLLECTION_CLASS
  }

  /** Whether this node's store holds the collection (whatever its class). */
  holds (collection: string): boolean {
    return this.listed.some(c => c.name === collection)
  }

  /** Collections with their classes, as the card may name them: never a `local-only` one. */
  advertisedCollections (): ClassifiedCollection[] {
    return advertisedCollections(this.listed).slice(0, MAX_CARD_COLLECTIONS)
  }

  /** Re-reads classes and collections (the CLI changes them while the node runs), then tells the listeners. */
  async refresh (): Promise<void> {
    try {
      this.classes = await loadCollectionClasses(this.c.files.collections)
      const model = this.c.embedModel
      this.listed = (await this.store.collections()).map(c => ({
        name: c.name,
        classification: this.classOf(c.name),
        documents: c.documents,
        chunks: c.chunks,
        ...(c.vectors > 0 && model != null ? { embedModel: model } : {})
      }))
    } catch (err) {
      this.c.logger('could not list collections: %s', (err as Error).message)
    }
    for (const listener of this.listeners) await listener()
  }

  /** Calls `listener` after every refresh: after an ingest, a removal or a change of class through the node. */
  onRefresh (listener: () => void | Promise<void>): void {
    this.listeners.push(listener)
  }

  private started (): OpenedMemory {
    if (this.handle == null) throw new StoreClosedError()
    return this.handle
  }
}

/** The node's memory service factory, js-libp2p style. */
export function memoryService (init: NodeMemoryInit = {}): (components: NodeMemoryComponents) => NodeMemory {
  return (components) => new NodeMemory(components, init)
}

/** Embeddings from a registered model, as the memory store wants them. */
export function runtimeEmbedder (runtime: Pick<Runtime, 'embed'>, model: string): EmbedFn {
  return async (texts, o) => {
    const r = await runtime.embed({ model, input: texts, priority: 'background', ...(o?.signal != null ? { signal: o.signal } : {}) })
    return r.embeddings.map(e => Float32Array.from(e))
  }
}
