/** The parts and options every ingest path shares (files, PDFs, documents handed in by sources). */
import type { Logger } from '../logger.ts'
import type { ChunkerInit } from './chunker.ts'
import type { Documents } from './documents.ts'
import type { RecordStore } from './record-store.ts'
import type { CollectionVectors, EmbedFn } from './vectors.ts'

export interface IngestComponents {
  records: RecordStore
  documents: Documents
  vectors: CollectionVectors
  log: Logger
}

export interface IngestInit {
  /** Embedding function; without it only the BM25 index is written. @default none */
  embed?: EmbedFn
  /** Chunk sizes. @default CHUNK_TARGET_CHARS etc. */
  chunking?: ChunkerInit
  /** @default MAX_BATCH_BYTES */
  maxBatchBytes?: number
}

export type FileOutcome = { status: 'added' | 'updated' | 'unchanged', chunks: number } | { status: 'skipped', reason: string, chunks: 0 }
