/**
 * The memory service over a database someone else owns: the document store
 * and the conversation memory in their own sublevels, started and stopped
 * together. `openMemory` builds one on its own database folder.
 */
import { ConversationMemory } from './conversation.ts'
import { MemoryStore, type MemoryComponents, type MemoryStoreInit } from './store.ts'

export type MemoryInit = MemoryStoreInit

export class MemoryService {
  readonly store: MemoryStore
  readonly conversations: ConversationMemory

  constructor (components: MemoryComponents, init: MemoryInit = {}) {
    this.store = new MemoryStore(components, init)
    this.conversations = new ConversationMemory(components, init.encryptionKey != null ? { encryptionKey: init.encryptionKey } : {})
  }

  /** Starts both; a conversation memory that fails to start stops the store again. */
  async start (): Promise<void> {
    await this.store.start()
    try {
      await this.conversations.start()
    } catch (err) {
      await this.store.stop()
      throw err
    }
  }

  /** Idempotent. */
  async stop (): Promise<void> {
    await this.store.stop()
    await this.conversations.stop()
  }
}

/** The memory service factory, js-libp2p style. */
export function memory (init: MemoryInit = {}): (components: MemoryComponents) => MemoryService {
  return (components) => new MemoryService(components, init)
}
