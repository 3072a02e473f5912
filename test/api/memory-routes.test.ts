/**
 * Memory routes over a stub memory module: an ingest that fails on the
 * caller's own input tells the caller why, in the stream's last line, and
 * a node without memory open answers 503.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ApiClient, ApiRequestError } from '../../node/api/client.ts'
import { ApiServer } from '../../node/api/server.ts'
import { registerMemoryRoutes } from '../../node/api/memory-routes.ts'
import { remoteMemoryStore } from '../../node/api/memory-client.ts'
import type { MemoryModule, MemoryStoreApi } from '../../node/api/modules.ts'
import { createLogger } from '../../node/logger.ts'

const TOKEN = 'd'.repeat(64)

describe('memory routes', { timeout: 30_000 }, () => {
  let store: MemoryStoreApi | undefined
  const memory: MemoryModule = { store: () => store, classOf: () => 'internal', setClass: async () => {}, refresh: async () => {} }
  const api = new ApiServer({ token: TOKEN, logger: createLogger('test:api') })
  registerMemoryRoutes(api, { memory })
  let remote: ReturnType<typeof remoteMemoryStore>
  let url = ''

  before(async () => {
    const { port } = await api.listen('127.0.0.1', 0)
    url = `http://127.0.0.1:${port}`
    remote = remoteMemoryStore(new ApiClient(url, TOKEN))
  })
  after(async () => { await api.close() })

  it('an ingest that fails on a missing file says so, after its progress', async () => {
    store = {
      ingest: async (_paths: string[], opts?: { onProgress?: (p: { done: number, total: number }) => void }) => {
        opts?.onProgress?.({ done: 0, total: 1 })
        throw Object.assign(new Error("ENOENT: no such file or directory, open '/nowhere/a.txt'"), { code: 'ENOENT' })
      }
    } as unknown as MemoryStoreApi
    const progress: number[] = []
    await assert.rejects(remote.ingest(['/nowhere/a.txt'], { onProgress: (p) => { progress.push(p.total) } }), (err: unknown) =>
      err instanceof ApiRequestError && err.code === 'malformed' && /no such file/.test(err.message))
    assert.deepEqual(progress, [1])
  })

  it('lists the documents of a collection; an unknown one is 404, a bad name 400', async () => {
    const { UnknownCollectionError } = await import('../../node/memory/errors.ts')
    store = {
      documents: async (name: string) => {
        if (name !== 'hr') throw new UnknownCollectionError(name)
        return [{ source: '/docs/leave.md', hash: 'ab', size: 10, mtimeMs: 1, chunks: 1, ingestedAt: 2 }]
      }
    } as unknown as MemoryStoreApi
    const client = new ApiClient(url, TOKEN)
    assert.deepEqual((await client.get<Array<{ source: string }>>('/api/memory/documents?collection=hr')).map(d => d.source), ['/docs/leave.md'])
    await assert.rejects(client.get('/api/memory/documents?collection=finance'), (err: unknown) => err instanceof ApiRequestError && err.status === 404)
    await assert.rejects(client.get('/api/memory/documents?collection=..%2Fetc'), (err: unknown) => err instanceof ApiRequestError && err.status === 400)
    await assert.rejects(client.get('/api/memory/documents'), (err: unknown) => err instanceof ApiRequestError && err.status === 400)
  })

  it('memory not open: 503', async () => {
    store = undefined
    await assert.rejects(remote.collections(), (err: unknown) => err instanceof ApiRequestError && err.status === 503 && err.code === 'unavailable')
  })
})
