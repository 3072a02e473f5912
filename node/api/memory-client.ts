/**
 * The memory store as the CLI sees it while a node holds the database: the
 * same methods the memory commands call, carried over the control API.
 */
import { resolve } from 'node:path'
import { ApiRequestError, type ApiClient } from './client.ts'
import { isApiErrorCode } from '../../protocol/codes.ts'
import { MalformedApiResponseError } from './errors.ts'
import type { MemoryStore } from '../memory/store.ts'
import type { IngestOptions, IngestResult } from '../memory/ingest.ts'
import type { ReindexOptions, ReindexResult } from '../memory/reindex.ts'
import type { SearchHit, SearchOptions } from '../memory/search.ts'
import type { CollectionInfo } from '../memory/store.ts'

export type RemoteMemoryStore = Pick<MemoryStore, 'ingest' | 'collections' | 'removeDocument' | 'removeCollection' | 'search' | 'reindex'>

export function remoteMemoryStore (api: ApiClient): RemoteMemoryStore {
  return {
    async ingest (paths: string[], opts: IngestOptions = {}): Promise<IngestResult> {
      let result: IngestResult | undefined
      for await (const e of api.stream<any>('/api/memory/ingest', {
        paths: paths.map(p => resolve(p)),
        ...(opts.collection != null ? { collection: opts.collection } : {}),
        ...(opts.prune === true ? { prune: true } : {})
      }, opts.signal)) {
        if (e.type === 'progress') opts.onProgress?.({ done: e.done, total: e.total, ...(e.path != null ? { path: e.path } : {}) })
        else if (e.type === 'error') throw new ApiRequestError(Number(e.error?.status ?? 500), isApiErrorCode(e.error?.wire) ? e.error.wire : 'internal', String(e.error?.message ?? 'Ingest failed'))
        else if (e.type === 'result') { const { type: _t, ...rest } = e; result = rest as IngestResult }
      }
      if (result == null) throw new MalformedApiResponseError('The node closed the stream without an ingest result')
      return result
    },
    async reindex (opts: ReindexOptions = {}): Promise<ReindexResult> {
      let result: ReindexResult | undefined
      for await (const e of api.stream<any>('/api/memory/reindex', opts.collection != null ? { collection: opts.collection } : {}, opts.signal)) {
        if (e.type === 'progress') opts.onProgress?.({ collection: String(e.collection), done: Number(e.done), total: Number(e.total) })
        else if (e.type === 'error') throw new ApiRequestError(Number(e.error?.status ?? 500), isApiErrorCode(e.error?.wire) ? e.error.wire : 'internal', String(e.error?.message ?? 'Reindex failed'))
        else if (e.type === 'result') { const { type: _t, ...rest } = e; result = rest as ReindexResult }
      }
      if (result == null) throw new MalformedApiResponseError('The node closed the stream without a reindex result')
      return result
    },
    async collections (): Promise<CollectionInfo[]> {
      return await api.get<CollectionInfo[]>('/api/memory/collections')
    },
    async removeDocument (collection: string, source: string): Promise<void> {
      await api.post('/api/memory/rm', { collection, doc: source })
    },
    async removeCollection (collection: string): Promise<void> {
      await api.post('/api/memory/rm', { collection })
    },
    async search (query: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
      return await api.post<SearchHit[]>('/api/memory/search', { query, ...(opts.collection != null ? { collection: opts.collection } : {}), ...(opts.k != null ? { k: opts.k } : {}) }, opts.signal)
    }
  }
}
