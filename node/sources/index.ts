/**
 * Sources: where a node's memory comes from and how it stays current.
 * `sourcesService()(components)` keeps folders (watched), git repositories
 * (only the files a new commit changed), mbox files (one document per
 * message) and MCP servers' resources in sync with memory collections,
 * each document tagged with its source id so `forget --source` finds it.
 */
export { sourcesService, SourcesService } from './service.ts'
export type { SourcesComponents, SourcesInit, AddSource } from './service.ts'
export { SourceBook } from './book.ts'
export { SOURCE_KINDS } from './types.ts'
export type { SourceKind, SourceRecord, SourceState, SourceSummary, SyncReport } from './types.ts'
export * from './errors.ts'
