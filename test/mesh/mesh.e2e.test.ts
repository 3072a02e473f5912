/**
 * The mesh end to end: every node is a separate `mycel start` process on
 * 127.0.0.1, driven through the CLI and the control API the way a user would.
 * The tests run in order on one org: join, refusals, discovery, restart,
 * intruders, then revocation (which removes a member for good).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { harness, sorted, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { staysFalse, waitFor } from '../helpers/wait.ts'
import { intruderHost, orgSettings, orgSwarmKey } from '../helpers/hosts.ts'
import { decodeInvite } from '../../identity/invite.ts'
import { generateKeyPair } from '../../identity/keys.ts'
import { redeemInvite } from '../../node/membership/join-client.ts'
import { cardsTopic } from '../../protocol/cards/ids.ts'

describe('a mesh of separate node processes', () => {
  const h: Harness = harness({ after })
  let a: MycelProcess // founder, logs with DEBUG=mycel:*
  let b: MycelProcess
  let c: MycelProcess
  let d: MycelProcess | undefined
  let usedInvite: string
  const members = (): MycelProcess[] => [a, b, c, ...(d != null ? [d] : [])]

  /** Waits until every node in `nodes` lists exactly the others in peers and all of them (itself included) in caps. */
  async function fullyMeshed (nodes: MycelProcess[], what: string): Promise<void> {
    const all = sorted(nodes.map(n => n.peerId))
    await Promise.all(nodes.map(async n => {
      const others = all.filter(id => id !== n.peerId)
      await waitFor(async () => {
        const [peers, caps] = await Promise.all([n.peerIds(), n.capIds()])
        return others.every(id => peers.includes(id)) && all.every(id => caps.includes(id))
      }, { what: `${what}: ${n.peerId} to list ${all.length - 1} peers and ${all.length} cards` })
    }))
  }

  before(async () => {
    const founderHome = await h.found('acme', 'alpha')
    a = await h.start(founderHome, { env: { DEBUG: 'mycel:*' } })
    usedInvite = await h.invite(a)
    const cInvite = await h.invite(a)
    const [bHome, cHome] = await Promise.all([h.join(usedInvite, 'beta'), h.join(cInvite, 'gamma')])
    ;[b, c] = await Promise.all([h.start(bHome), h.start(cHome)])
  })

  it('founder and two joiners see each other in peers and caps', async () => {
    await fullyMeshed([a, b, c], 'first three')
    const peers = await b.peers()
    const alpha = peers.find(p => p.peerId === a.peerId)
    assert.equal(alpha?.name, 'alpha')
    assert.ok(alpha.addresses.every(x => x.endsWith(`/p2p/${a.peerId}`)), 'peer addresses are full multiaddrs')
    const caps = await c.caps()
    assert.deepEqual(sorted(caps.map(x => x.name)), ['alpha', 'beta', 'gamma'])
    assert.equal(caps.filter(x => x.self).length, 1)
    const status = await a.status()
    assert.equal(status.peers, 2)
    assert.equal(status.org?.name, 'acme')
    assert.ok(status.addresses.every(x => x.endsWith(`/p2p/${a.peerId}`)))
    // the CLI reads the same through the API
    const cli = await h.cli(b.home, ['caps', '--json'])
    assert.equal(cli.code, 0)
    assert.equal(cli.json<unknown[]>().length, 3)
  })

  it('refuses a reused single-use invite with a clear message and exit code 1', async () => {
    const home = await h.newHome('reuse')
    const res = await h.cli(home, ['join', usedInvite, '--name', 'again'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^mycel: Join refused by the issuer: the invite has already been used$/m)
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
    const config = JSON.parse(await readFile(join(home, 'node.json'), 'utf8').catch(() => '{}')) as { org?: unknown }
    assert.equal(config.org, undefined, 'nothing of the org was stored')
  })

  it('refuses an expired invite, locally and at the issuer', async () => {
    const invite = await h.invite(a, { ttl: '2s' })
    const { expiresAt } = decodeInvite(invite)
    await waitFor(() => Date.now() > expiresAt + 200, { what: 'the invite to expire' })
    const res = await h.cli(await h.newHome('late'), ['join', invite, '--name', 'late'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^mycel: .*expired/im)
    const inspected = await h.cli(a.home, ['invite', 'inspect', invite, '--json'])
    assert.equal(inspected.code, 1)
    assert.equal(inspected.json<{ status: string }>().status, 'expired')
    // a client that skips the local check is refused by the issuer itself
    await assert.rejects(
      redeemInvite({ key: generateKeyPair(), invite: decodeInvite(invite), text: invite, name: 'late' }),
      (err: Error & { code?: string }) => err.name === 'JoinFailedError' && err.code === 'invite-expired'
    )
  })

  it('answers 401 to a request without the token or with a wrong one, and never logs the token', async () => {
    const wrong = 'f'.repeat(64)
    for (const token of [null, wrong, '', a.api.token.slice(0, -1)]) {
      const res = await a.request('GET', '/api/status', { token })
      assert.equal(res.status, 401, `token ${String(token)}`)
    }
    assert.equal((await a.request('POST', '/api/revoke', { token: null, body: { peerId: b.peerId } })).status, 401)
    assert.equal((await a.request('GET', '/api/status')).status, 200)
    await waitFor(() => a.stderr.includes('unauthorized request'), { what: 'the node to log the refused requests' })
    assert.ok(a.stderr.includes('mycel:'), 'DEBUG=mycel:* logging is on')
    assert.ok(!a.stderr.includes(a.api.token), 'the API token is not in the logs')
    assert.ok(!a.stderr.includes(wrong), 'a presented token is not in the logs')
    assert.ok(!a.stdout.includes(a.api.token))
  })

  it('a node that knows only one member finds all of them', async () => {
    const home = await h.join(await h.invite(a), 'delta')
    // forget everything the join taught it except one member's address
    const path = join(home, 'node.json')
    const config = JSON.parse(await readFile(path, 'utf8'))
    config.org.bootstrap = [await b.addr()]
    await writeFile(path, JSON.stringify(config))
    d = await h.start(home)
    await fullyMeshed(members(), 'after delta')
  })

  it('a restarted node rejoins the mesh without a new invite', async () => {
    const before = (await b.caps()).find(x => x.self)?.seq ?? 0
    await b.restart()
    await fullyMeshed(members(), 'after restarting beta')
    // the others hold the card beta published after the restart
    for (const n of [a, c]) {
      await waitFor(async () => ((await n.caps()).find(x => x.peerId === b.peerId)?.seq ?? 0) > before, { what: 'the new card of beta' })
    }
  })

  it('a host with the pre-shared key but no membership is disconnected and never listed', async (t) => {
    const settings = await orgSettings(a.home)
    const intruder = await intruderHost(t, { swarmKey: await orgSwarmKey(a.home), orgId: settings.id })
    const gossip: unknown[] = []
    intruder.services.pubsub.subscribe(cardsTopic(settings.id))
    intruder.services.pubsub.addEventListener('message', (evt) => { gossip.push(evt.detail) })
    const intruderId = intruder.peerId.toString()
    const listed = async (): Promise<boolean> => {
      for (const n of members()) {
        if ((await n.peerIds()).includes(intruderId) || (await n.capIds()).includes(intruderId)) return true
      }
      return false
    }
    for (const n of members()) {
      const conn = await intruder.dial(multiaddr(await n.addr()))
      assert.equal(conn.status, 'open', 'the pre-shared key gets it past the outer fence')
    }
    // while it hangs on, nobody lists it; then everyone has cut it off
    assert.equal(await listed(), false)
    await waitFor(() => intruder.getConnections().length === 0, { what: 'members to disconnect the intruder' })
    assert.equal(await listed(), false)
    assert.equal(gossip.length, 0, 'no card reached the intruder by gossip')
  })

  it('a node of another org holding this org\'s pre-shared key is refused', async () => {
    const stranger = await h.found('other', 'stranger')
    // the mesh key lives in its own file (clear here: no passphrase)
    await copyFile(join(a.home, 'org-psk'), join(stranger, 'org-psk'))
    const s = await h.start(stranger, { bootstrap: [await a.addr(), await b.addr()] })
    const seenBy = async (): Promise<boolean> => {
      for (const n of members()) if ((await n.peerIds()).includes(s.peerId) || (await n.capIds()).includes(s.peerId)) return true
      return false
    }
    assert.equal(await staysFalse(async () => await seenBy() || (await s.peerIds()).length > 0, 8_000), true)
    assert.deepEqual(await s.capIds(), [s.peerId], 'the stranger learned no member card')
    await s.stop()
  })

  it('a revoked member is dropped by everyone, its card is ignored, and it cannot come back', async () => {
    const revoked = c
    const res = await h.cli(a.home, ['revoke', revoked.peerId, '--json'])
    assert.equal(res.code, 0, res.stderr)
    const others = members().filter(n => n !== revoked)
    await Promise.all(others.map(async n => {
      await waitFor(async () => {
        const [peers, caps] = await Promise.all([n.peerIds(), n.capIds()])
        return !peers.includes(revoked.peerId) && !caps.includes(revoked.peerId)
      }, { what: `${n.peerId} to drop the revoked member` })
    }))
    await waitFor(async () => (await revoked.peerIds()).length === 0, { what: 'the revoked member to be alone' })
    for (const n of others) assert.ok((await n.status()).revocationSeq >= 1)

    // restarted, it dials its bootstrap peers again and gets nowhere
    await revoked.restart()
    const back = async (): Promise<boolean> => {
      if ((await revoked.peerIds()).length > 0) return true
      for (const n of others) if ((await n.peerIds()).includes(revoked.peerId) || (await n.capIds()).includes(revoked.peerId)) return true
      return false
    }
    assert.equal(await staysFalse(back, 8_000), true)
    // the rest of the mesh is unaffected
    await fullyMeshed(others, 'after the revocation')
  })
})
