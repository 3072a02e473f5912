/**
 * `mycel memory forget --source ID --mesh` through two node processes: both
 * keep the same folder as a source (same id); alpha erases it and asks beta
 * through a `memory.forget` task. Afterwards neither holds a chunk of it,
 * alpha's conversation summary that copied its text is gone while another
 * stays, and both audit logs record the erasure by counts and digests only.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { homePaths } from '../../node/home/home.ts'
import { openMemory } from '../../node/memory/index.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import type { SourceSummary, SyncReport } from '../../node/sources/index.ts'
import type { MeshForgetReport } from '../../node/tasks/kinds/memory-forget.ts'

const SECRET = 'The quartz lighthouse key hangs behind the second boiler.'

async function allowMemory (home: string): Promise<void> {
  const policy = defaultFounderPolicy()
  const base = policy.rules[0]!
  policy.rules.push({ ...base, id: 'members-memory', description: 'Members search and erase each other\'s memory.', kinds: ['memory.*'], collections: ['*'], direction: 'both' })
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

/** Writes two conversation summaries into a stopped node's memory: one copying the secret, one not. */
async function writeSummaries (home: string): Promise<void> {
  const m = await openMemory(homePaths(home).memoryDir)
  try {
    for (const [session, text] of [['s-secret', `The user asked where the key is. ${SECRET}`], ['s-other', 'The user asked about the canteen opening hours at length.']] as const) {
      for (let i = 0; i < 12; i++) await m.conversations.append('agent-1', session, { role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i} with several filler words to take up room` })
      const r = await m.conversations.buildContext({ agent: 'agent-1', session, budgetTokens: 40, countTokens: (t) => t.split(/\s+/).length, summarize: async () => text })
      assert.equal(r.summarized, true)
    }
  } finally { await m.close() }
}

async function summaries (home: string): Promise<string[]> {
  const m = await openMemory(homePaths(home).memoryDir)
  try {
    return (await Promise.all(['s-secret', 's-other'].map(async s => (await m.conversations.summary('agent-1', s))?.text))).filter((x): x is string => x != null)
  } finally { await m.close() }
}

describe('forget --mesh through node processes', { timeout: 240_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let folder: string

  before(async () => {
    folder = join(await h.tempDir('mycel-forget-'), 'ops')
    await mkdir(folder)
    await writeFile(join(folder, 'keys.md'), `${SECRET}\n`)
    await writeFile(join(folder, 'menu.md'), 'The canteen serves barley soup.\n')
    const alphaHome = await h.found('acme', 'alpha')
    await allowMemory(alphaHome)
    await writeSummaries(alphaHome)
    alpha = await h.start(alphaHome)
    const betaHome = await h.join(await h.invite(alpha), 'beta')
    await allowMemory(betaHome)
    beta = await h.start(betaHome)
    await waitFor(async () => (await alpha.caps()).some(c => c.peerId === beta.peerId && (c.taskKinds as string[]).includes('memory.forget')), { what: 'alpha to hold beta\'s card offering memory.forget', timeoutMs: 90_000 })
  })

  const chunksOf = async (n: MycelProcess, id: string): Promise<number> => {
    const docs = await n.get<Array<{ sourceId?: string, chunks: number }>>('/api/memory/documents?collection=ops').catch(() => [])
    return docs.filter(d => d.sourceId === id).reduce((s, d) => s + d.chunks, 0)
  }

  it('leaves no chunk of the source on any member, drops the summary that copied it, and audits by digest', async () => {
    const added = await Promise.all([alpha, beta].map(async n => (await n.post<{ source: SourceSummary, sync: SyncReport }>('/api/sources', { kind: 'folder', target: folder, collection: 'ops' }))))
    const id = added[0]!.source.id
    assert.equal(added[1]!.source.id, id, 'the same folder is the same source id on both')
    for (const n of [alpha, beta]) assert.ok(await chunksOf(n, id) > 0)
    const res = await h.cli(alpha.home, ['memory', 'forget', '--source', id, '--mesh', '--json'], { timeoutMs: 90_000 })
    assert.equal(res.code, 0, res.stderr + res.stdout)
    const report = res.json<MeshForgetReport>()
    assert.equal(report.local.documents, 2)
    assert.equal(report.local.summaries, 1)
    assert.deepEqual(report.members, [{ node: beta.peerId, documents: 2, chunks: report.members[0] != null && 'chunks' in report.members[0] ? report.members[0].chunks : -1, summaries: 0 }])
    for (const n of [alpha, beta]) {
      assert.equal(await chunksOf(n, id), 0)
      assert.equal((await n.get<SourceSummary[]>('/api/sources')).some(s => s.id === id), false, 'the source is no longer kept, so nothing writes it back')
      assert.deepEqual(await n.post('/api/memory/search', { query: 'quartz lighthouse boiler', collection: 'ops' }).catch(() => []), [])
    }
    for (const n of [alpha, beta]) {
      const entries = await n.get<Array<{ type: string, actor: string, data?: Record<string, unknown> }>>('/api/audit/tail?n=200')
      const erased = entries.filter(e => e.type === 'memory.forget')
      assert.equal(erased.length, 1)
      assert.equal(erased[0]?.data?.source, id)
      assert.equal(erased[0]?.actor, alpha.peerId)
      assert.doesNotMatch(JSON.stringify(entries), /quartz|lighthouse/i, 'no document text in the audit log')
    }
    // the summary copying the secret is gone, the other stays
    await alpha.stop()
    const left = await summaries(alpha.home)
    assert.deepEqual(left, ['The user asked about the canteen opening hours at length.'])
  })
})
