/**
 * The step barrier lines up the decode steps of a context's generations:
 * nobody goes before everyone is ready, they go in sequence order, one that
 * leaves (finished, canceled) never holds the others, and an overdue wait
 * ends. Then on the generated model: the runtime's real sequences give
 * their llama.cpp ids, and concurrent generations with one canceled in the
 * middle still end with the serial text.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { StepBarrier, sequenceOrder } from '../../node/runtime/step-barrier.ts'
import { runtimeFixture } from './helpers.ts'

/** Lets every pending microtask and one macrotask turn run. */
const turn = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

describe('step barrier', { timeout: 10_000 }, () => {
  it('releases no one until every member waits, then all of them in sequence order', async () => {
    const barrier = new StepBarrier()
    const members = [2, 0, 3, 1].map(order => ({ order, member: barrier.join(order) }))
    const went: number[] = []
    const steps = members.slice(0, 3).map(async m => { await m.member.step(); went.push(m.order) })
    await turn(); await turn()
    assert.equal(went.length, 0, 'three of four waiting: nobody goes')
    const last = members[3] as (typeof members)[number]
    steps.push(last.member.step().then(() => { went.push(last.order) }))
    await Promise.all(steps)
    assert.deepEqual(went, [0, 1, 2, 3])
    // the next step lines up again
    went.length = 0
    await Promise.all(members.map(async m => { await m.member.step(); went.push(m.order) }))
    assert.deepEqual(went, [0, 1, 2, 3])
  })

  it('a member that leaves, waiting or not, no longer holds the others', async () => {
    const barrier = new StepBarrier()
    const a = barrier.join(0)
    const b = barrier.join(1)
    const c = barrier.join(2)
    const went: string[] = []
    const aStep = a.step().then(() => { went.push('a') })
    const cStep = c.step().then(() => { went.push('c') })
    await turn()
    assert.equal(went.length, 0, 'b has not asked yet')
    b.leave() // finished while the others waited for it
    await Promise.all([aStep, cStep])
    assert.deepEqual(went, ['a', 'c'])
    const cWait = c.step().then(() => { went.push('c left') })
    await turn()
    assert.equal(went.length, 2, 'c waits for a')
    c.leave() // canceled while waiting: its own wait ends
    await cWait
    await a.step() // alone now
    assert.deepEqual(went, ['a', 'c', 'c left'])
    assert.equal(barrier.size, 1)
    b.leave() // twice is harmless
    assert.equal(barrier.size, 1)
    assert.deepEqual(barrier.stats(), { lined: 1, overdue: 0 }, 'no wait needed the guard')
  })

  it('a lone member and a member that left step at once', async () => {
    const barrier = new StepBarrier()
    const a = barrier.join(0)
    for (let i = 0; i < 3; i++) await a.step()
    a.leave()
    await a.step()
    assert.equal(barrier.size, 0)
    assert.deepEqual(barrier.stats(), { lined: 0, overdue: 0 })
  })

  it('an overdue wait releases those waiting, and the late member lines up at the next step', async () => {
    const barrier = new StepBarrier({ maxWaitMs: 20 })
    const a = barrier.join(0)
    const b = barrier.join(1)
    await a.step() // b never asked: released by the guard
    let aWent = false
    const aStep = a.step().then(() => { aWent = true })
    await turn()
    assert.equal(aWent, false, 'the guard does not cancel the next wait')
    await Promise.all([aStep, b.step()])
    assert.equal(aWent, true)
    assert.deepEqual(barrier.stats(), { lined: 1, overdue: 1 })
  })
})

describe('step barrier waits that end early', { timeout: 10_000 }, () => {
  it('an aborted wait rejects with its reason and stops counting as ready', async () => {
    const barrier = new StepBarrier()
    const a = barrier.join(0)
    const b = barrier.join(1)
    const ac = new AbortController()
    const aWait = a.step(ac.signal)
    ac.abort(new Error('canceled'))
    await assert.rejects(aWait, { message: 'canceled' })
    await assert.rejects(a.step(ac.signal), { message: 'canceled' }, 'an aborted signal rejects at once')
    let bWent = false
    const bStep = b.step().then(() => { bWent = true })
    await turn(); await turn()
    assert.equal(bWent, false, 'a is no longer counted as ready')
    a.leave()
    await bStep
    assert.equal(barrier.stats().overdue, 0)
  })

  it('a second wait of the same member takes over, and the first resolves', async () => {
    const barrier = new StepBarrier()
    const a = barrier.join(0)
    barrier.join(1)
    const first = a.step()
    const second = a.step()
    await first
    let secondWent = false
    void second.then(() => { secondWent = true })
    await turn()
    assert.equal(secondWent, false, 'the second still waits for the other member')
  })
})

describe('step barrier on the generated model', { timeout: 120_000 }, () => {
  const f = runtimeFixture({ tiny: {} }, { sequences: 4 })

  it("orders a context's sequences by their llama.cpp ids", async () => {
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error })
    const model = await llama.loadModel({ modelPath: await f.home.addModel('ids') })
    const context = await model.createContext({ sequences: 3, contextSize: 256 })
    try {
      const first = [context.getSequence(), context.getSequence(), context.getSequence()]
      // the private id node-llama-cpp keeps: a renamed field would lose the fast path silently
      assert.deepEqual(first.map(sequenceOrder), [0, 1, 2])
      await first[1]?.dispose()
      assert.equal(sequenceOrder(context.getSequence()), 1, 'a reclaimed id comes back')
    } finally {
      await context.dispose()
      await model.dispose()
      await llama.dispose()
    }
  })

  it('concurrent generations, one canceled in the middle, end with the serial text', async () => {
    const prompt = 'The mesh says:'
    const serial = await f.rt.complete({ model: 'tiny', prompt, maxTokens: 120 })
    const ac = new AbortController()
    let seen = 0
    const canceled = f.rt.complete({ model: 'tiny', prompt, maxTokens: 400, signal: ac.signal, onText: () => { if (++seen === 3) ac.abort() } })
    const others = [0, 1, 2].map(async () => await f.rt.complete({ model: 'tiny', prompt, maxTokens: 120 }))
    await assert.rejects(canceled, { name: 'TaskCanceledError' })
    for (const r of await Promise.all(others)) {
      assert.equal(r.text, serial.text)
      assert.equal(r.usage.completionTokens, serial.usage.completionTokens)
    }
    const steps = f.rt.stats().decodeSteps
    assert.ok(steps.lined > 0, 'the generations stepped in line')
    assert.equal(steps.overdue, 0, 'no one waited for the canceled generation')
  })

  it('structured chats (on LlamaChat) step in line too, and each gives its serial answer', async () => {
    const schema = { type: 'object', properties: { verdict: { type: 'string' }, score: { type: 'integer' } }, required: ['verdict', 'score'] }
    const asks = ['Judge the mesh.', 'Judge the node.', 'Judge the card.', 'Judge the task.']
    const chat = async (content: string): Promise<string> => (await f.rt.chat({ model: 'tiny', messages: [{ role: 'user', content }], responseFormat: { type: 'json_schema', schema }, maxTokens: 96 })).text
    const serial: string[] = []
    for (const a of asks) serial.push(await chat(a))
    const before = f.rt.stats().decodeSteps
    const together = await Promise.all(asks.map(chat))
    assert.deepEqual(together, serial)
    for (const text of together) assert.deepEqual(Object.keys(JSON.parse(text) as object).sort(), ['score', 'verdict'])
    const after = f.rt.stats().decodeSteps
    assert.ok(after.lined > before.lined, 'their steps went in line')
    assert.equal(after.overdue, before.overdue)
  })
})
