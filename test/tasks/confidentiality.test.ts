/**
 * Nothing in between can read a delegated task: beta's task streams are
 * tapped above the connection's encryption (Noise and the pre-shared key),
 * so the tap sees the frames exactly as the task protocol writes and reads
 * them, which is what any relay or a broken transport would see. They hold
 * neither the prompt nor the output in clear; neither does gamma, a third
 * member on the mesh, nor the level databases of any of the three once
 * stopped.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { TASK_PROTOCOL } from '../../protocol/task/messages.ts'
import { auditOf, dataFileBytes, dbContents, inProcessOrg } from './helpers.ts'

describe('confidentiality of a delegated task', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode
  let gamma: MycelNode
  /** Task stream bytes beta wrote and read, above Noise and the pre-shared key. */
  const frames: Buffer[] = []
  const secret = `the-launch-code-is-${randomBytes(12).toString('hex')}`
  let taskId = ''

  before(async () => {
    ;[alpha, beta, gamma] = await inProcessOrg(h, [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }])
    // tap beta's task streams: every byte it sends and receives on them
    const host = beta.services.host
    const dial = host.dialProtocol.bind(host)
    host.dialProtocol = (async (peer: any, protocols: any, options: any) => {
      const stream: Stream = await dial(peer, protocols, options)
      if (stream.protocol === TASK_PROTOCOL) {
        const send = stream.send.bind(stream)
        stream.send = (data: any) => { frames.push(Buffer.from(data.subarray())); return send(data) }
        stream.addEventListener('message', (e: any) => { frames.push(Buffer.from(e.data.subarray())) })
      }
      return stream
    }) as typeof host.dialProtocol
  })

  it('delegates a prompt to alpha and gets it back', async () => {
    const text: string[] = []
    const res = await beta.services.router.run({ kind: 'echo', peer: alpha.peerId, input: { prompt: secret, chunks: 4 }, onEvent: e => { if (e.type === 'text') text.push(e.text) } })
    taskId = res.taskId
    assert.equal(res.executor, alpha.peerId)
    assert.equal(res.output, secret)
    assert.equal(text.join(''), secret)
  })

  it('leaves neither prompt nor output in clear in the task frames', () => {
    const tapped = Buffer.concat(frames)
    assert.ok(tapped.length > secret.length, 'the tap saw the task streams')
    // the tap is above the transport's encryption: what the request carries in clear shows up in it
    assert.ok(tapped.includes(Buffer.from(taskId)), 'task id in clear in the frames (the tap works)')
    for (const piece of [secret, secret.slice(0, 16), secret.slice(-16)]) {
      assert.equal(tapped.includes(Buffer.from(piece)), false, `"${piece}" in the task frames`)
    }
  })

  it('gamma, a member that relays gossip, never sees it', async () => {
    const audit = await auditOf(gamma)
    assert.equal(audit.some(e => e.task === taskId), false)
  })

  it('leaves neither in clear in any node\'s database (audit log included)', async () => {
    await waitFor(async () => (await auditOf(alpha, 20)).some(e => e.task === taskId && e.data?.state === 'completed'), { what: 'alpha to finish the task' })
    const homes = [alpha.paths.root, beta.paths.root, gamma.paths.root]
    await Promise.all([alpha, beta, gamma].map(async n => { await n.stop() }))
    const needles = [secret, secret.slice(0, 16), secret.slice(-16)].map(s => Buffer.from(s))
    for (const home of homes) {
      const files = await dataFileBytes(home)
      const values = await dbContents(home)
      for (const needle of needles) {
        assert.equal(files.includes(needle), false, `plaintext in the files of ${home}`)
        assert.equal(values.includes(needle), false, `plaintext in the database of ${home}`)
      }
    }
    // the search itself finds what is stored in clear: the task id is in both parties' audit index
    assert.ok((await dbContents(alpha.paths.root)).includes(Buffer.from(taskId)))
    assert.ok((await dbContents(beta.paths.root)).includes(Buffer.from(taskId)))
    assert.equal((await dbContents(gamma.paths.root)).includes(Buffer.from(taskId)), false)
  })
})
