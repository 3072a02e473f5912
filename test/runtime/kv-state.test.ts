/**
 * Context as a resource, past what stays resident: a long sequence state
 * evicted for an unrelated prompt is saved to disk (0600, bounded) and a
 * later turn with its prefix restores it, giving the same greedy text as a
 * cold model; a damaged state file is discarded, never loaded; a task whose
 * prompt plus maxTokens cannot fit a sequence is refused with `busy`.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, stat, truncate, open } from 'node:fs/promises'
import { join } from 'node:path'
import { runtime, type Runtime } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

const HOOK_TIMEOUT_MS = 30_000
const CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
const SYSTEM = 'You are the mesh. ' + 'Answer plainly, cite your sources and keep to the facts of the record. '.repeat(3)

type Msg = { role: 'system' | 'user' | 'assistant', content: string }
interface Turn { text: string, promptTokens: number, reused: number, restored: number, evaluated: number }

async function turn (rt: Runtime, messages: Msg[], model = 'chatml'): Promise<Turn> {
  const before = rt.stats().promptTokens
  const r = await rt.chat({ model, messages, maxTokens: 24 })
  const now = rt.stats().promptTokens
  return { text: r.text, promptTokens: r.usage.promptTokens, reused: now.reused - before.reused, restored: now.restored - before.restored, evaluated: now.evaluated - before.evaluated }
}

describe('evicted context state goes to disk and comes back', { timeout: 240_000 }, () => {
  let home: TestHome
  let rt: Runtime
  let cold: Runtime
  let stateDir: string
  const first: Msg[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'What did the planning meeting decide?' }]
  const unrelated: Msg[] = [{ role: 'user', content: 'Name a colour.' }]
  let second: Msg[]
  let coldSecond: Turn

  const stateFiles = async (): Promise<string[]> => {
    const out: string[] = []
    for (const d of await readdir(stateDir).catch(() => [])) {
      for (const f of await readdir(join(stateDir, d))) if (f.endsWith('.state')) out.push(join(stateDir, d, f))
    }
    return out
  }

  before(async () => {
    home = await testHome()
    stateDir = join(home.dir, 'kv-states')
    await home.addModel('chatml', { chatTemplate: CHATML, seed: 11 })
    await home.addModel('other', { chatTemplate: CHATML, seed: 12 })
    // one sequence: any other prompt evicts the state
    rt = runtime({ keepAliveMs: 60_000, sequences: 1, stateDir })({ registry: home.registry })
    cold = runtime({ keepAliveMs: 60_000, sequences: 1 })({ registry: home.registry })
    await rt.start()
    await cold.start()
  }, { timeout: HOOK_TIMEOUT_MS })

  after(async () => {
    await rt?.stop()
    await cold?.stop()
    await home?.cleanup()
  }, { timeout: HOOK_TIMEOUT_MS })

  it('a turn restored from disk evaluates only its new tokens and says what a cold model says', async () => {
    const a = await turn(rt, first)
    assert.ok(a.promptTokens >= 256, `the first turn is long enough to be saved (${a.promptTokens} tokens)`)
    second = [...first, { role: 'assistant', content: a.text }, { role: 'user', content: 'And who owns the follow-up?' }]
    coldSecond = await turn(cold, second)
    assert.equal(coldSecond.reused + coldSecond.restored, 0)

    assert.deepEqual(await stateFiles(), [], 'nothing is saved while the state is resident')
    const u = await turn(rt, unrelated)
    assert.equal(u.restored, 0)
    const files = await stateFiles()
    assert.equal(files.length, 1, 'the evicted state was saved')
    assert.equal((await stat(files[0] as string)).mode & 0o777, 0o600)
    assert.equal((await stat(join(stateDir, (await readdir(stateDir))[0] as string))).mode & 0o777, 0o700)

    const r = await turn(rt, second)
    assert.equal(r.text, coldSecond.text, 'the restored state changes nothing in the greedy output')
    assert.equal(r.promptTokens, coldSecond.promptTokens)
    assert.ok(r.restored >= a.promptTokens, `restored ${r.restored} of ${r.promptTokens}, the first turn was ${a.promptTokens}`)
    assert.equal(r.evaluated, r.promptTokens - r.restored)
    assert.ok(r.evaluated < r.promptTokens / 4, `evaluated ${r.evaluated} of ${r.promptTokens}`)
  })

  it('a truncated state file is discarded and the turn evaluated cold', async () => {
    await turn(rt, unrelated)
    const files = await stateFiles()
    assert.equal(files.length, 1, 'the longer state replaced the one it extends')
    const f = files[0] as string
    await truncate(f, Math.floor((await stat(f)).size / 2))
    const r = await turn(rt, second)
    assert.equal(r.restored, 0)
    assert.equal(r.text, coldSecond.text)
    assert.deepEqual(await stateFiles(), [], 'the damaged file is gone')
  })

  it('a state file with a flipped byte is discarded, never loaded', async () => {
    await turn(rt, unrelated)
    const f = (await stateFiles())[0] as string
    const size = (await stat(f)).size
    const fh = await open(f, 'r+')
    try {
      const b = Buffer.alloc(1)
      await fh.read(b, 0, 1, size - 8)
      b[0] = (b[0] as number) ^ 0xff
      await fh.write(b, 0, 1, size - 8)
    } finally { await fh.close() }
    const r = await turn(rt, second)
    assert.equal(r.restored, 0)
    assert.equal(r.text, coldSecond.text)
    assert.deepEqual(await stateFiles(), [])
  })

  it('unloading the model saves its state, and the reloaded model restores it', async () => {
    await turn(rt, second)
    await rt.unload('chatml')
    assert.equal((await stateFiles()).length, 1)
    const r = await turn(rt, second)
    assert.equal(r.text, coldSecond.text)
    assert.equal(r.restored, r.promptTokens - 1)
  })

  it('a state is only ever offered to the model file it was saved from', async () => {
    await turn(rt, second)
    await turn(rt, unrelated) // saves the state of `second` under chatml's digest
    const saved = await stateFiles()
    assert.equal(saved.length, 1)
    const r = await turn(rt, second, 'other')
    assert.equal(r.restored, 0, 'another model never loads it')
    assert.equal(r.evaluated, r.promptTokens)
    assert.deepEqual(await stateFiles(), saved, 'and it stays for its own model')
    assert.equal((await turn(rt, second)).restored, r.promptTokens - 1)
  })

  it('the store keeps within its bound, least recently used out first', async () => {
    const dir = join(home.dir, 'bounded')
    const bounded = runtime({ keepAliveMs: 60_000, sequences: 1, stateDir: dir, stateCache: { maxFiles: 1 } })({ registry: home.registry })
    await bounded.start()
    try {
      const other: Msg[] = [{ role: 'system', content: 'Grid ' + SYSTEM }, { role: 'user', content: 'Who is on call? ' + 'Name the rota. '.repeat(4) }]
      await turn(bounded, first)
      await turn(bounded, other) // evicts `first`: saved
      await turn(bounded, unrelated) // evicts `other`: saved, `first` out
      const files = (await Promise.all((await readdir(dir)).map(async d => await readdir(join(dir, d))))).flat().filter(f => f.endsWith('.state'))
      assert.equal(files.length, 1)
      assert.equal((await turn(bounded, second)).restored, 0, 'the older state is gone')
      assert.ok((await turn(bounded, [...other, { role: 'assistant', content: 'x' }])).restored > 0, 'the newer one restores')
    } finally {
      await bounded.stop()
    }
  })

  it('a task whose prompt and maxTokens cannot fit a sequence is refused with busy, and the runtime keeps serving', async () => {
    const [m] = await rt.models()
    assert.ok(m != null)
    assert.equal(m.freeContext, m.contextSize, 'an idle model advertises all its context free')
    await assert.rejects(rt.chat({ model: 'chatml', messages: first, maxTokens: m.contextSize - 10 }), (err: Error & { code?: string, retryAfterMs?: number }) => {
      assert.equal(err.name, 'ContextBudgetError')
      assert.equal(err.code, 'busy')
      assert.ok((err.retryAfterMs ?? 0) > 0)
      return true
    })
    const ok = await turn(rt, first)
    assert.ok(ok.text.length > 0)
  })
})
