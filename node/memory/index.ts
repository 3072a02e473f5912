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
 * Over a database the caller owns: `memory({ embed, encryptionKey })({ db })`
 * gives a service with `store` and `conversations`. In a node:
 * `memoryService({ passphrase })({ files, logger, embed })` opens the home's
 * store and knows each collection's data class; `mayRead({ groupsOf, policy })`
 * is the rule for remote reads, and `advertisedCollections()` what the card
 * may name.
 *
 * Layers, each importing only those below it: records (`record-store.ts`),
 * vectors, documents, then ingest, search and the consistency check; the
 * store (`store.ts`) is the façade over them.
 */
export { memory, MemoryService } from './service.ts'
export type { MemoryInit } from './service.ts'
export { memoryService, NodeMemory, runtimeEmbedder } from './node-memory.ts'
export type { NodeMemoryComponents, NodeMemoryInit } from './node-memory.ts'
export { mayRead } from './read-permission.ts'
export type { MayRead, MayReadComponents } from './read-permission.ts'
export { advertisedCollections, DEFAULT_COLLECTION_CLASS, loadCollectionClasses, setCollectionClass, stricter } from './classes.ts'
export type { ClassifiedCollection } from './classes.ts'
export { MemoryStore, validCollectionName } from './store.ts'
export type { MemoryComponents, MemoryStoreInit, MemoryDb, EmbedFn, CollectionInfo, DocumentInfo } from './store.ts'
export { openMemory, deriveMemoryKey } from './open.ts'
export type { OpenMemoryInit, OpenedMemory } from './open.ts'
export type { IngestOptions, IngestResult, IngestProgress } from './ingest.ts'
export type { ReindexOptions, ReindexProgress, ReindexResult } from './reindex.ts'
export type { Skip } from './files.ts'
export type { TextDoc, TextIngestResult } from './ingest-text.ts'
export type { ForgetOptions, ForgetResult } from './forget.ts'
export { pdfToText } from './pdf.ts'
export { fuseRrf, askWith, NOTHING_FOUND_ANSWER } from './search.ts'
export { RRF_K, SEARCH_K } from './constants.ts'
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
