/**
 * A node killed (SIGKILL) in the middle of a git source's first sync: on the
 * next start the source is synced again and completes, every file once,
 * and the store is consistent (no half-written document survives).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { commit } from './fixtures.ts'
import type { SourceSummary } from '../../node/sources/index.ts'

const FILES = 400

describe('a sync killed halfway completes on the next start', { timeout: 300_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let repo: string

  before(async () => {
    repo = join(await h.tempDir('mycel-crash-'), 'repo')
    await mkdir(repo)
    const files: Record<string, string> = {}
    // long enough files that the first sync takes a while to write them all
    for (let i = 0; i < FILES; i++) files[`notes/n${String(i).padStart(4, '0')}.md`] = Array.from({ length: 40 }, (_, j) => `Note ${i} line ${j} records ledger entry ${i * 100 + j} for the archive.`).join('\n\n') + '\n'
    await writeFile(join(repo, 'README.md'), 'Archive.\n')
    files['README.md'] = 'Archive.\n'
    await commit(repo, files, 'archive')
    alpha = await h.start(await h.found('acme', 'alpha'))
  })

  const docCount = async (): Promise<number> => (await alpha.get<Array<{ name: string, documents: number }>>('/api/memory/collections')).find(c => c.name === 'archive')?.documents ?? 0

  it('reruns the sync after a SIGKILL and ends with every file exactly once', async () => {
    void alpha.request('POST', '/api/sources', { body: { kind: 'git', target: repo, collection: 'archive' } }).catch(() => {})
    await waitFor(async () => await docCount() > 0, { what: 'the first documents to be written', timeoutMs: 120_000, intervalMs: 20 })
    const atKill = await docCount()
    alpha.kill()
    await waitFor(async () => !alpha.running, { what: 'the node to die', timeoutMs: 10_000 })
    await alpha.restart()
    const total = FILES + 1
    await waitFor(async () => {
      const s = (await alpha.get<SourceSummary[]>('/api/sources'))[0]
      return s != null && !s.syncing && s.commit != null && s.documents === total ? s : undefined
    }, { what: 'the rerun to complete', timeoutMs: 180_000, intervalMs: 250 })
    assert.ok(atKill < total, `killed after ${atKill} of ${total} documents: the sync was under way`)
    assert.equal(await docCount(), total)
    const [s] = await alpha.get<SourceSummary[]>('/api/sources')
    assert.deepEqual(s?.errors, [])
    const hits = await alpha.post<Array<{ source: string }>>('/api/memory/search', { query: 'ledger entry 39939', collection: 'archive', k: 3 })
    assert.equal(hits[0]?.source, join(repo, 'notes/n0399.md'))
  })
})
