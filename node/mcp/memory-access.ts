/**
 * How the MCP resources read this node's memory: inside the node (`/mcp`)
 * from the memory module, and for `mycel mcp` (stdio) through the running
 * node's control API (`/api/memory/collections`, `/api/memory/documents`),
 * re-reading `api.json` on each call like `apiAccess`.
 */
import { ApiClient, readApiFile } from '../api/client.ts'
import { NodeNotRunningError } from '../api/errors.ts'
import type { MemoryModule } from '../api/modules.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { CollectionInfo, DocumentInfo } from '../memory/store.ts'

export interface LocalCollection extends CollectionInfo { classification: DataClass }

export interface MemoryAccess {
  /** This node's collections with their counts and data class; none while memory is not open. */
  collections: (signal?: AbortSignal) => Promise<LocalCollection[]>
  /** The documents of one of this node's collections. */
  documents: (collection: string, signal?: AbortSignal) => Promise<DocumentInfo[]>
}

export function nodeMemoryAccess (memory: Pick<MemoryModule, 'store' | 'classOf'>): MemoryAccess {
  return {
    async collections () {
      const store = memory.store()
      if (store == null) return []
      return (await store.collections()).map(c => ({ ...c, classification: memory.classOf(c.name) }))
    },
    async documents (collection) {
      const store = memory.store()
      if (store == null) return []
      return await store.documents(collection)
    }
  }
}

export function apiMemoryAccess (home: string): MemoryAccess {
  const client = async (): Promise<ApiClient> => {
    const file = await readApiFile(home)
    if (file == null) throw new NodeNotRunningError()
    return new ApiClient(file.url, file.token)
  }
  return {
    collections: async (signal) => await (await client()).get<LocalCollection[]>('/api/memory/collections', signal),
    documents: async (collection, signal) => await (await client()).get<DocumentInfo[]>(`/api/memory/documents?collection=${encodeURIComponent(collection)}`, signal)
  }
}
