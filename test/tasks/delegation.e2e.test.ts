/**
 * Delegation end to end between separate `mycel start` processes on
 * 127.0.0.1, driven through the CLI and the control API as a user would:
 * alpha (founder) and beta serve the generated tiny model, gamma has none
 * and delegates. Tests run in order on one org; the last ones stop the nodes
 * and look into their databases.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { ApiClient } from '../../node/api/client.ts'
import { openNodeDb } from '../../node/home/db.ts'
import { openStores, seqKey } from '../../node/audit/store.ts'
import { homePaths } from '../../node/home/home.ts'
import { dataFileBytes, dbContents } from './helpers.ts'

interface AuditJson { seq: number, type: string, peer?: string, task?: string, data?: Record<string, unknown> }
interface RunJson { taskId: string, executor: string, output: string, usage: unknown }

describe('delegation between node processes', () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let gamma: MycelProcess
  const secretPrompt = `Secret plan ${randomBytes(6).toString('hex')}:`
  let delegatedOutput = ''

  before(async () => {
    const dir = await h.tempDir('mycel-tasks-model-')
    const model = join(dir, 'tiny.gguf')
    await makeTestModel({ out: model, size: 'tiny', seed: 42 })
    const alphaHome = await h.found('acme', 'alpha')
    await h.ok(alphaHome, ['models', 'add', model, '--name', 'tiny'])
    alpha = await h.start(alphaHome)
    const [betaHome, gammaHome] = await Promise.all([h.join(await h.invite(alpha), 'beta'), h.join(await h.invite(alpha), 'gamma')])
    await h.ok(betaHome, ['models', 'add', model, '--name', 'tiny'])
    ;[beta, gamma] = await Promise.all([h.start(betaHome), h.start(gammaHome)])
    await waitFor(async () => {
      const caps = await gamma.caps()
      return [alpha.peerId, beta.peerId].every(id => caps.some(c => c.peerId === id && (c.models as Array<{ name: string }>).some(m => m.name === 'tiny')))
    }, { what: 'gamma to hold the cards of alpha and beta with the model', timeoutMs: 90_000 })
  })

  const audit = async (n: MycelProcess, count = 500): Promise<AuditJson[]> => await n.get<AuditJson[]>(`/api/audit/tail?n=${count}`)
  const complete = ['--kind', 'llm.complete', '--model', 'tiny', '--max-tokens', '48', '--temperature', '0', '--seed', '7', '--json']

  it('delegated output equals the executor\'s local output byte for byte', async () => {
    const delegated = (await h.ok(gamma.home, ['run', '--peer', alpha.peerId, ...complete, secretPrompt])).json<RunJson>()
    const local = (await h.ok(alpha.home, ['run', '--local', ...complete, secretPrompt])).json<RunJson>()
    const onBeta = (await h.ok(gamma.home, ['run', '--peer', beta.peerId, ...complete, secretPrompt])).json<RunJson>()
    assert.equal(delegated.executor, alpha.peerId)
    assert.equal(local.executor, alpha.peerId)
    assert.equal(onBeta.executor, beta.peerId)
    assert.ok(delegated.output.length > 0, 'the model produced text')
    assert.equal(Buffer.from(delegated.output).toString('hex'), Buffer.from(local.output).toString('hex'))
    assert.equal(onBeta.output, local.output)
    delegatedOutput = delegated.output
    // streamed (not --json), the text is the same too
    const streamed = await h.ok(gamma.home, ['run', '--peer', alpha.peerId, ...complete.filter(a => a !== '--json'), secretPrompt])
    assert.equal(streamed.stdout.replace(/\n$/, ''), local.output)
  })

  it('keeps a local-only task on the node: executor is self, nothing sent, the others see nothing', async () => {
    const prompt = `local only ${randomBytes(6).toString('hex')}`
    const res = (await h.ok(gamma.home, ['run', '--kind', 'echo', '--class', 'local-only', '--json', prompt])).json<RunJson>()
    assert.equal(res.executor, gamma.peerId)
    assert.equal(res.output, prompt)
    const mine = (await audit(gamma)).filter(e => e.task === res.taskId)
    assert.ok(mine.some(e => e.type === 'task.received' && e.data?.local === true), 'gamma ran it')
    assert.equal(mine.some(e => e.type === 'task.sent'), false, 'no task.sent')
    for (const other of [alpha, beta]) assert.equal((await audit(other)).some(e => e.task === res.taskId), false)
    // pinning a peer with local-only data is refused, before anything is sent
    const before = (await audit(alpha)).length
    const pinned = await h.cli(gamma.home, ['run', '--peer', alpha.peerId, '--kind', 'echo', '--class', 'local-only', prompt])
    assert.notEqual(pinned.code, 0)
    assert.match(pinned.stderr, /local-only/)
    assert.equal((await audit(gamma, 20)).some(e => e.type === 'task.sent' && e.peer === alpha.peerId && (e.data?.dataClass === 'local-only')), false)
    assert.equal((await audit(alpha)).length, before, 'alpha\'s audit log did not grow')
  })

  it('cancel from the delegator stops the work on the executor', async () => {
    const api = await ApiClient.fromHome(gamma.home)
    const prompt = 'z'.repeat(100)
    let taskId = ''
    let texts = 0
    const lines: Array<{ type: string, error?: { wire?: string } }> = []
    const reading = (async () => {
      for await (const e of api.stream<any>('/api/tasks', { kind: 'echo', peer: alpha.peerId, input: { prompt, chunks: 100, delayMs: 100 } })) {
        lines.push(e)
        if (e.type === 'routed') taskId = e.taskId
        if (e.type === 'text') texts++
      }
    })()
    await waitFor(() => taskId !== '' && texts >= 3, { what: 'the slow echo to stream' })
    await gamma.post(`/api/tasks/${taskId}/cancel`)
    await reading
    const last = lines.at(-1)
    assert.equal(last?.type, 'error')
    assert.equal(last?.error?.wire, 'canceled')
    const onAlpha = await waitFor(async () => (await alpha.get<Array<{ taskId: string, state: string, updatedAt: number }>>('/api/tasks')).find(t => t.taskId === taskId && t.state === 'canceled'), { what: 'alpha to show the task canceled' })
    const entries = (await audit(alpha)).filter(e => e.task === taskId)
    assert.ok(entries.some(e => e.type === 'task.state' && e.data?.state === 'canceled'), 'alpha audited the cancel')
    assert.equal(entries.some(e => e.type === 'task.result'), false, 'no result on alpha')
    // it stopped emitting: nothing changes on alpha for well over the chunk interval
    await new Promise(resolve => setTimeout(resolve, 1500))
    const later = (await alpha.get<Array<{ taskId: string, state: string, updatedAt: number }>>('/api/tasks')).find(t => t.taskId === taskId)
    assert.equal(later?.updatedAt, onAlpha.updatedAt)
    assert.ok(texts < 100, 'the stream stopped early')
  })

  it('stores neither the prompt nor the output in clear in any database (audit log included)', async () => {
    await Promise.all([alpha.stop(), beta.stop(), gamma.stop()])
    const needles = [secretPrompt, ...(delegatedOutput.length >= 12 ? [delegatedOutput.slice(0, 12), delegatedOutput.slice(-12)] : [])]
    for (const home of [alpha.home, beta.home, gamma.home]) {
      const files = await dataFileBytes(home)
      const values = await dbContents(home)
      for (const n of needles) {
        assert.equal(files.includes(Buffer.from(n)), false, `${JSON.stringify(n)} in the files of ${home}`)
        assert.equal(values.includes(Buffer.from(n)), false, `${JSON.stringify(n)} in the database of ${home}`)
      }
    }
  })

  describe('mycel audit verify on a stopped node whose database was edited', () => {
    /** A copy of alpha's home with `edit` applied to its audit entries. */
    async function tampered (name: string, edit: (entries: ReturnType<typeof openStores>['entries']) => Promise<number>): Promise<{ home: string, seq: number }> {
      const home = join(await h.tempDir(`mycel-tamper-${name}-`), 'home')
      await cp(alpha.home, home, { recursive: true })
      const db = await openNodeDb(homePaths(home).dataDir)
      try {
        const seq = await edit(openStores(db.sublevel<string, Uint8Array>('audit', { valueEncoding: 'view' }) as any).entries)
        return { home, seq }
      } finally {
        await db.close()
      }
    }
    const verify = async (home: string): Promise<{ code: number, out: { ok: boolean, entries: number, firstBad: { seq: number, code: string } | null }, text: string }> => {
      const json = await h.cli(home, ['audit', 'verify', '--json'])
      const text = await h.cli(home, ['audit', 'verify'])
      assert.equal(json.code, text.code)
      return { code: json.code, out: json.json(), text: text.stdout }
    }

    it('passes the untouched log', async () => {
      const v = await verify(alpha.home)
      assert.equal(v.code, 0)
      assert.equal(v.out.ok, true)
      assert.ok(v.out.entries > 20)
    })

    it('names an edited entry', async () => {
      const { home, seq } = await tampered('edit', async (entries) => {
        const seq = 10
        const value = (await entries.get(seqKey(seq)))!.slice()
        value[value.length - 2]! ^= 0x01
        await entries.put(seqKey(seq), value)
        return seq
      })
      const v = await verify(home)
      assert.equal(v.code, 1)
      assert.deepEqual([v.out.ok, v.out.firstBad?.seq], [false, seq])
      assert.match(v.text, new RegExp(`FAILED at entry ${seq}\\b`))
    })

    it('names a deleted entry', async () => {
      const { home, seq } = await tampered('delete', async (entries) => { await entries.del(seqKey(7)); return 7 })
      const v = await verify(home)
      assert.equal(v.code, 1)
      assert.deepEqual([v.out.ok, v.out.firstBad?.seq, v.out.firstBad?.code], [false, seq, 'missing'])
    })

    it('names reordered entries', async () => {
      const { home, seq } = await tampered('swap', async (entries) => {
        const a = await entries.get(seqKey(5))
        const b = await entries.get(seqKey(6))
        await entries.put(seqKey(5), b!)
        await entries.put(seqKey(6), a!)
        return 5
      })
      const v = await verify(home)
      assert.equal(v.code, 1)
      assert.deepEqual([v.out.ok, v.out.firstBad?.seq], [false, seq])
    })
  })
})
