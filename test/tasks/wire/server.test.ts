/**
 * The wire server's handlers and the client, over in-memory stream pairs:
 * a submit streams sealed output and its result, an attach replays what
 * came after a sequence number, a cancel stops a running task, and
 * unknown tasks are `not-found`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { ClientEvent } from '../../../node/tasks/wire/client.ts'
import { TaskClientError } from '../../../node/tasks/wire/errors.ts'
import { wirePair } from './fixtures.ts'

async function collect (events: AsyncGenerator<ClientEvent>): Promise<{ text: string, seqs: number[], output?: unknown }> {
  const decoder = new TextDecoder()
  let text = ''
  const seqs: number[] = []
  for await (const e of events) {
    seqs.push(e.seq)
    if (e.type === 'text') text += decoder.decode(e.data, { stream: true })
    else return { text, seqs, output: e.output.output }
  }
  return { text, seqs }
}

describe('task wire server and client', () => {
  it('submit: streams output in order and ends with the result', async () => {
    const w = await wirePair()
    const req = w.request({ prompt: 'abcdefgh', chunks: 4 })
    const got = await collect(w.client.submit(w.executorId, req.bytes, req.session))
    assert.deepEqual(got, { text: 'abcdefgh', seqs: [1, 2, 3, 4, 5], output: 'abcdefgh' })
    assert.deepEqual(w.audit.filter(e => e.type === 'task.state').map(e => e.data?.state), ['submitted', 'working', 'completed'])
  })

  it('attach: replays what came after a sequence number', async () => {
    const w = await wirePair()
    const req = w.request({ prompt: 'abcdefgh', chunks: 4 })
    await collect(w.client.submit(w.executorId, req.bytes, req.session))
    const again = await collect(w.client.attach(w.executorId, req.taskId, req.session, { afterSeq: 2 }))
    assert.deepEqual(again, { text: 'efgh', seqs: [3, 4, 5], output: 'abcdefgh' })
  })

  it('cancel: stops a running task, whose stream ends canceled', async () => {
    const w = await wirePair()
    const req = w.request({ prompt: 'slow', chunks: 4, delayMs: 2_000 })
    const events = w.client.submit(w.executorId, req.bytes, req.session)
    const first = await events.next()
    assert.equal(first.value?.type, 'text')
    await w.client.cancel(w.executorId, req.taskId)
    await assert.rejects(collect(events), (err: TaskClientError) => err.code === 'remote' && err.remoteCode === 'canceled')
    assert.equal(w.engine.load().running, 0)
  })

  it('answers an attach to an unknown task not-found', async () => {
    const w = await wirePair()
    const req = w.request()
    await assert.rejects(collect(w.client.attach(w.executorId, req.taskId, req.session)), (err: TaskClientError) => err.code === 'remote' && err.remoteCode === 'not-found')
  })

  it('answers busy with a retry-after when every slot and the queue are full', async () => {
    const w = await wirePair({ maxRunning: 1, maxQueued: 0 })
    const slow = w.request({ prompt: 'slow', chunks: 4, delayMs: 2_000 })
    const running = w.client.submit(w.executorId, slow.bytes, slow.session)
    await running.next()
    const next = w.request()
    await assert.rejects(collect(w.client.submit(w.executorId, next.bytes, next.session)), (err: TaskClientError) => err.code === 'busy' && (err.retryAfterMs ?? 0) > 0)
    await w.client.cancel(w.executorId, slow.taskId)
    await collect(running).catch(() => {})
  })
})

describe('task streams kept between calls', () => {
  it('runs a series of tasks to one member on one stream, refusals included', async () => {
    const w = await wirePair()
    for (const prompt of ['one', 'two', 'three']) {
      const req = w.request({ prompt })
      assert.equal((await collect(w.client.submit(w.executorId, req.bytes, req.session))).output, prompt)
    }
    const unknown = w.request()
    await assert.rejects(collect(w.client.attach(w.executorId, unknown.taskId, unknown.session)), (err: TaskClientError) => err.remoteCode === 'not-found')
    const after = w.request({ prompt: 'after the refusal' })
    assert.equal((await collect(w.client.submit(w.executorId, after.bytes, after.session))).output, 'after the refusal')
    assert.equal(w.dials(), 1)
  })

  it('opens a new stream when the kept one was closed by the executor, even as it is taken', async () => {
    const w = await wirePair({ nextCallTimeoutMs: 50 })
    const first = w.request({ prompt: 'first' })
    await collect(w.client.submit(w.executorId, first.bytes, first.session))
    await new Promise(resolve => setTimeout(resolve, 200)) // the executor closes the idle stream
    const second = w.request({ prompt: 'second' })
    assert.equal((await collect(w.client.submit(w.executorId, second.bytes, second.session))).output, 'second')
    assert.equal(w.dials(), 2)
    // closed in the same tick the next call takes it: its write goes through, nothing comes back
    void w.serverStreams[1]?.close()
    const third = w.request({ prompt: 'third' })
    assert.equal((await collect(w.client.submit(w.executorId, third.bytes, third.session))).output, 'third')
    assert.equal(w.dials(), 3)
    assert.deepEqual(w.audit.filter(e => e.type === 'task.received').length, 3)
  })

  it('sends nothing twice: a kept stream that breaks after the executor read the call fails as a broken stream', async () => {
    const w = await wirePair({ maxRunning: 1 })
    const first = w.request({ prompt: 'first' })
    await collect(w.client.submit(w.executorId, first.bytes, first.session))
    // the only slot busy, so the next task waits in the queue and no frame comes back for a while
    const busy = w.engine.runLocal({ kind: 'echo', input: { prompt: 'slow', chunks: 4, delayMs: 300 }, dataClass: 'internal' })
    const broken = w.request({ prompt: 'queued' })
    setTimeout(() => { w.serverStreams[0]?.abort(new Error('the connection went away')) }, 30)
    await assert.rejects(collect(w.client.submit(w.executorId, broken.bytes, broken.session)), (err: TaskClientError) => err.code === 'closed')
    assert.equal(w.dials(), 1, 'not sent again on a new stream')
    assert.equal(w.audit.filter(e => e.type === 'task.received' && (e as { task?: string }).task === broken.taskId).length, 1, 'the executor has the task once, to re-attach to')
    await busy
  })

  it('does not keep the stream of an exchange its consumer left, nor any after stop', async () => {
    const w = await wirePair()
    const slow = w.request({ prompt: 'slow', chunks: 4, delayMs: 500 })
    const events = w.client.submit(w.executorId, slow.bytes, slow.session)
    assert.equal((await events.next()).value?.type, 'text')
    await events.return(undefined)
    const next = w.request({ prompt: 'next' })
    assert.equal((await collect(w.client.submit(w.executorId, next.bytes, next.session))).output, 'next')
    assert.equal(w.dials(), 2)
    assert.equal(w.serverStreams[0]?.status, 'reset')
    w.client.stop()
    await new Promise(resolve => setTimeout(resolve, 50))
    assert.notEqual(w.serverStreams[1]?.status, 'open')
  })

  it('serves a delegator that closes after every call, as older nodes do', async () => {
    const w = await wirePair({ streamIdleMs: 0 })
    for (const prompt of ['a', 'b']) {
      const req = w.request({ prompt })
      assert.equal((await collect(w.client.submit(w.executorId, req.bytes, req.session))).output, prompt)
    }
    assert.equal(w.dials(), 2)
  })
})

describe('task service lifecycle', () => {
  it('starts and stops the server and admission idempotently', async () => {
    const w = await wirePair()
    await w.server.start()
    await w.server.stop()
    await w.server.stop()
    const req = w.request()
    await assert.rejects(collect(w.client.submit(w.executorId, req.bytes, req.session)), (err: TaskClientError) => err.code === 'dial')
    await w.admission.stop()
    await w.admission.stop()
  })
})
