/**
 * Defect 8's HTTP part with a real node process: SIGTERM while a task
 * stream is open and a request body is still trickling in. The stream gets
 * a last error line saying the node is shutting down, the slow body is cut
 * off, the node exits cleanly (before the harness's kill), and its
 * `api.json` is gone.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { ApiClient } from '../../node/api/client.ts'
import { homePaths } from '../../node/home/home.ts'
import type { TaskEvent } from '../../node/api/task-stream.ts'

describe('shutting down with HTTP requests open', () => {
  const h = harness({ after })

  it('SIGTERM ends the open task stream with a last error line, cuts a slow body, and exits cleanly', async () => {
    const alpha = await h.start(await h.found('acme', 'alpha'))
    const api = new ApiClient(alpha.api.url, alpha.api.token)
    const events: TaskEvent[] = []
    const reading = (async () => {
      // a slow local echo: 100 chunks, 100 ms apart
      for await (const e of api.runTask({ kind: 'echo', local: true, input: { prompt: 'y'.repeat(100), chunks: 100, delayMs: 100 } })) events.push(e)
    })()
    const url = new URL(alpha.api.url)
    const slow = request({ host: url.hostname, port: Number(url.port), method: 'POST', path: '/api/tasks', headers: { authorization: `Bearer ${alpha.api.token}`, 'content-type': 'application/json', 'content-length': 1000 } })
    const slowDone = new Promise<number | undefined>(resolve => {
      slow.on('response', (res) => { res.resume(); res.on('end', () => { resolve(res.statusCode) }) })
      slow.on('error', () => { resolve(undefined) })
    })
    slow.write('{"kind": "')
    await waitFor(() => events.filter(e => e.type === 'text').length >= 2, { what: 'the slow echo to stream' })

    // well under the node's own 15 s forced exit: a clean stop must not wait on the clients
    const code = await alpha.stop(8_000)
    assert.equal(code, 0, 'the node stopped on its own, before being killed')
    await reading
    const last = events.at(-1)
    assert.equal(last?.type, 'error')
    assert.deepEqual(last?.type === 'error' ? [last.error.wire, last.error.message] : [], ['unavailable', 'The node is shutting down'])
    assert.ok([503, undefined].includes(await slowDone), 'the slow body was answered 503 or cut off')
    assert.equal(existsSync(homePaths(alpha.home).api), false, 'api.json is gone')
  })
})
