/**
 * The node's memory: the store on `<home>/data/memory`, embeddings from the
 * runtime when an embedding model is named, and the data class of every
 * collection (`collections.json`), kept in step for the capability card.
 */
import type { Logger } from './logger.ts'
import { openMemory, type OpenedMemory } from './memory/open.ts'
import type { EmbedFn } from './memory/store.ts'
import type { Runtime } from './runtime/runtime.ts'
import { DEFAULT_COLLECTION_CLASS, loadCollectionClasses } from './memory-classes.ts'
import type { DataClass } from '../protocol/task/messages.ts'

export interface NodeMemoryInit {
  dir: string
  classesPath: string
  passphrase?: string
  embed?: EmbedFn
  logger: Logger
}

export class NodeMemory {
  readonly opened: OpenedMemory
  /** Collections with their classes, as the card shows them. */
  collections: Array<{ name: string, classification: DataClass }> = []
  private classes: Record<string, DataClass> = {}
  private readonly init: NodeMemoryInit

  private constructor (opened: OpenedMemory, init: NodeMemoryInit) {
    this.opened = opened
    this.init = init
  }

  static async open (init: NodeMemoryInit): Promise<NodeMemory> {
    const opened = await openMemory(init.dir, { ...(init.passphrase != null ? { passphrase: init.passphrase } : {}), ...(init.embed != null ? { embed: init.embed } : {}) })
    const memory = new NodeMemory(opened, init)
    await memory.refresh()
    return memory
  }

  /** The data class of a collection (`internal` unless classified). */
  classOf (collection: string): DataClass {
    return this.classes[collection] ?? DEFAULT_COLLECTION_CLASS
  }

  /** Re-reads classes and collections. */
  async refresh (): Promise<void> {
    try {
      this.classes = await loadCollectionClasses(this.init.classesPath)
      this.collections = (await this.opened.store.collections()).slice(0, 256).map(c => ({ name: c.name, classification: this.classOf(c.name) }))
    } catch (err) {
      this.init.logger('could not list collections: %s', (err as Error).message)
    }
  }

  async close (): Promise<void> {
    await this.opened.close()
  }
}

/** Embeddings from a registered model, as the memory store wants them. */
export function runtimeEmbedder (runtime: Runtime, model: string): EmbedFn {
  return async (texts, o) => {
    const r = await runtime.embed({ model, input: texts, priority: 'background', ...(o?.signal != null ? { signal: o.signal } : {}) })
    return r.embeddings.map(e => Float32Array.from(e))
  }
}
