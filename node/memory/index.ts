/**
 * Memory: each node's private documents and conversations, searchable with
 * no model at all (BM25) and better with one (vectors fused by reciprocal
 * rank fusion); conversation history kept MemGPT-style. Everything lives in
 * `level`, encrypted at rest when a key is given.
 *
 * @example
 * const { store, close } = await openMemory(homePaths(home).dataDir + '/memory')
 * await store.ingest(['./handbook'], { collection: 'hr' })
 * const hits = await store.search('parental leave', { collection: 'hr', k: 5 })
 * await close()
 *
 * In a node: `memory({ embed, encryptionKey })({ db, logger })` gives a service
 * with `store` and `conversations`, started and stopped with the node.
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

  async start (): Promise<void> {
    await this.store.start()
    await this.conversations.start()
  }

  async stop (): Promise<void> {
    await this.store.stop()
    await this.conversations.stop()
  }
}

/** The node's memory service factory, js-libp2p style. */
export function memory (init: MemoryInit = {}): (components: MemoryComponents) => MemoryService {
  return (components) => new MemoryService(components, init)
}

export { MemoryStore, validCollectionName } from './store.ts'
export type { MemoryComponents, MemoryStoreInit, MemoryDb, EmbedFn, CollectionInfo, DocumentInfo } from './store.ts'
export { openMemory, deriveMemoryKey } from './open.ts'
export type { OpenMemoryInit, OpenedMemory } from './open.ts'
export type { IngestOptions, IngestResult, IngestProgress } from './ingest.ts'
export type { Skip } from './files.ts'
export { fuseRrf, askWith, NOTHING_FOUND_ANSWER } from './search.ts'
export type { SearchOptions, SearchHit, AskOptions, AskResult, AskSource, GenerateFn, Ranked } from './search.ts'
export { buildAskPrompt } from './prompt.ts'
export { ConversationMemory } from './conversation.ts'
export type { ChatMessage, Turn, Summary, Role, CountTokens, SummarizeFn, SummarizeInput, BuildContextOptions, BuiltContext, ConversationHit, ConversationMemoryInit } from './conversation.ts'
export type { ConsistencyReport } from './consistency.ts'
export { idf as bm25Idf, termScore as bm25TermScore, rankTexts } from './bm25.ts'
export { tokenize } from './tokenize.ts'
export { Chunker, chunkText } from './chunker.ts'
export type { TextChunk, ChunkerInit } from './chunker.ts'
export { htmlToText } from './extract.ts'
export { VectorIndex, exactTopK, normalize } from './vector-index.ts'
export * from './errors.ts'
