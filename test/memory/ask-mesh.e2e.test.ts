/**
 * `mycel ask` through running node processes: alpha holds a `local-only`
 * collection and serves the tiny generated model; beta is an idle member
 * whose policy would take memory tasks. While alpha is busy, beta is the
 * better candidate for any task that may leave; a question about the
 * local-only collection must still be answered on alpha, with nothing sent
 * and nothing in beta's audit log.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'

interface AuditJson { seq: number, type: string, peer?: string, task?: string, data?: Record<string, unknown> }
interface AskJson { taskId: string, executor: string, answer: string, sources: Array<{ n: number, source: string, collection: string }> }

/** Members may send each other memory tasks on every collection, both ways: only the data class can keep a task home. */
async function allowMemory (home: string): Promise<void> {
  const policy = defaultFounderPolicy()
  const base = policy.rules[0]!
  policy.rules.push({ ...base, id: 'members-memory', description: 'Members search and ask each other\'s collections.', kinds: ['memory.*'], collections: ['*'], direction: 'both' })
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

describe('ask about a local-only collection through node processes', () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let docs: string

  before(async () => {
    docs = await h.tempDir('mycel-ask-docs-')
    await mkdir(join(docs, 'board'))
    await writeFile(join(docs, 'board', 'merger.md'), 'The merger with Initech closes on the first of March.\n')
    const model = join(await h.tempDir('mycel-ask-model-'), 'tiny.gguf')
    await makeTestModel({ out: model, size: 'tiny', seed: 3 })
    const alphaHome = await h.found('acme', 'alpha')
    await h.ok(alphaHome, ['models', 'add', model, '--name', 'tiny'])
    await h.ok(alphaHome, ['memory', 'ingest', join(docs, 'board'), '--collection', 'board'])
    await allowMemory(alphaHome)
    alpha = await h.start(alphaHome)
    await h.ok(alphaHome, ['memory', 'classify', 'board', 'local-only'])
    const betaHome = await h.join(await h.invite(alpha), 'beta')
    await allowMemory(betaHome)
    beta = await h.start(betaHome)
    await waitFor(async () => (await alpha.caps()).some(c => c.peerId === beta.peerId && (c.taskKinds as string[]).includes('memory.ask')), { what: 'alpha to hold beta\'s card offering memory.ask', timeoutMs: 90_000 })
  })

  const audit = async (n: MycelProcess): Promise<AuditJson[]> => await n.get<AuditJson[]>('/api/audit/tail?n=1000')

  it('answers on the node while it is busy: nothing sent, nothing in the other member\'s audit', async () => {
    // two slow echo tasks keep alpha's executor busy, so an idle beta scores better for anything that may leave
    const busy = Array.from({ length: 2 }, async () => await alpha.request('POST', '/api/tasks', { body: { kind: 'echo', local: true, input: { prompt: 'busybusy', chunks: 8, delayMs: 1500 } } }))
    try {
      await waitFor(async () => (await alpha.get<Array<{ kind: string, state: string }>>('/api/tasks')).filter(t => t.kind === 'echo' && t.state === 'working').length >= 2, { what: 'alpha to run its two echo tasks', timeoutMs: 20_000 })
      const question = `When does the merger close? ${randomBytes(4).toString('hex')}`
      const res = await h.cli(alpha.home, ['ask', '--collection', 'board', '--max-tokens', '4', '--json', question], { timeoutMs: 90_000 })
      assert.equal(res.code, 0, res.stderr)
      const answer = res.json<AskJson>()
      assert.equal(answer.executor, alpha.peerId)
      assert.deepEqual(answer.sources.map(s => [s.source, s.collection]), [[join(docs, 'board', 'merger.md'), 'board']])
      const mine = (await audit(alpha)).filter(e => e.task === answer.taskId)
      assert.ok(mine.some(e => e.type === 'task.received' && e.data?.local === true), 'alpha ran it')
      assert.equal(mine.some(e => e.type === 'task.sent'), false, `sent: ${JSON.stringify(mine.filter(e => e.type === 'task.sent'))}`)
      const theirs = await audit(beta)
      assert.equal(theirs.some(e => e.task === answer.taskId), false, 'beta\'s audit holds nothing of it')
      assert.equal(theirs.some(e => e.type === 'task.received' && e.data?.kind === 'memory.ask'), false)
    } finally {
      await Promise.allSettled(busy)
    }
  })
})
