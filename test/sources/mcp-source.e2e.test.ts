/**
 * An MCP source through a node process: the resources of a server
 * registered with `mycel tools add` are ingested (text and a PDF blob); one
 * that fails to read is reported and the rest go on; a name no server has
 * gets one clear line.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import type { SourceSummary, SyncReport } from '../../node/sources/index.ts'

const SERVER = fileURLToPath(new URL('./fixtures/resource-server.ts', import.meta.url))

describe('an MCP source through a node process', { timeout: 180_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess

  before(async () => {
    const home = await h.found('acme', 'alpha')
    await h.ok(home, ['tools', 'add', 'team', '--', process.execPath, SERVER])
    alpha = await h.start(home)
  })

  it('ingests the server\'s resources and reports the one it cannot read', async () => {
    const add = await h.cli(alpha.home, ['sources', 'add', 'mcp', 'team', '--collection', 'team', '--json'])
    assert.equal(add.code, 0, add.stderr)
    const { sync } = add.json<{ source: SourceSummary, sync: SyncReport }>()
    assert.equal(sync.added, 2, JSON.stringify(sync))
    assert.deepEqual(sync.skipped.map(s => s.path), ['notes://team/broken.md'])
    const hits = await alpha.post<Array<{ source: string, text: string }>>('/api/memory/search', { query: 'hydroponic greenhouse', collection: 'team' })
    assert.equal(hits[0]?.source, 'mcp://team/files://reports/annual.pdf')
    const standup = await alpha.post<Array<{ source: string }>>('/api/memory/search', { query: 'orangery standup', collection: 'team' })
    assert.equal(standup[0]?.source, 'mcp://team/notes://team/standup.md')
    const missing = await h.cli(alpha.home, ['sources', 'add', 'mcp', 'nosuch'])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /No MCP server named nosuch is registered/)
  })
})
