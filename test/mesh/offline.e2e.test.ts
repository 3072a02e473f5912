/**
 * What must survive a node being down: a single-use invite stays used after
 * the issuer restarts (its ledger is on disk), and a member that was offline
 * while another was revoked learns the revocation when it comes back and
 * drops the revoked peer.
 */
import { after, before, describe, it } from 'node:test'
import { createServer } from 'node:net'
import assert from 'node:assert/strict'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'

describe('state that outlives a restart', () => {
  const h: Harness = harness({ after })
  let a: MycelProcess
  let b: MycelProcess
  let c: MycelProcess
  let usedInvite: string

  /** A free loopback port: the founder keeps its address across the restart, as a real node on port 4001 does. */
  async function freePort (): Promise<number> {
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    await new Promise<void>(resolve => server.close(() => { resolve() }))
    return port
  }

  before(async () => {
    a = await h.start(await h.found('acme', 'alpha'), { listen: `/ip4/127.0.0.1/tcp/${await freePort()}` })
    usedInvite = await h.invite(a)
    b = await h.start(await h.join(usedInvite, 'beta'))
    c = await h.start(await h.join(await h.invite(a), 'gamma'))
    for (const n of [a, b, c]) {
      await waitFor(async () => (await n.peerIds()).length === 2, { what: `${n.peerId} to see both others` })
    }
  })

  it('a single-use invite stays used after the issuer restarts', async () => {
    await a.restart()
    const res = await h.cli(await h.newHome('late'), ['join', usedInvite, '--name', 'late'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /already been used/)
  })

  it('a member offline during a revocation learns it on reconnect and drops the revoked peer', async () => {
    await waitFor(async () => (await c.peerIds()).includes(a.peerId), { what: 'gamma to reconnect to the restarted founder' })
    await c.stop()
    const res = await h.cli(a.home, ['revoke', b.peerId, '--json'])
    assert.equal(res.code, 0, res.stderr)
    await waitFor(async () => !(await a.peerIds()).includes(b.peerId), { what: 'alpha to drop beta' })
    await c.restart()
    await waitFor(async () => (await c.status()).revocationSeq >= 1, { what: 'gamma to receive the revocation list' })
    await waitFor(async () => {
      const [peers, caps] = await Promise.all([c.peerIds(), c.capIds()])
      return peers.includes(a.peerId) && !peers.includes(b.peerId) && !caps.includes(b.peerId)
    }, { what: 'gamma to list alpha and not beta' })
  })
})
