/**
 * Revocation is final, with real node processes driven through the CLI: a
 * revoked member cannot come back with a multi-use invite it saved (under a
 * new identity either), `invite revoke` makes an invite useless, `invite ls`
 * shows who redeemed what, and the last admin cannot revoke itself. Names
 * that other members chose reach the terminal without control characters.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { decodeInvite } from '../../identity/invite.ts'

interface InviteRow { inviteId: string, status: string, usesLeft: number | null, redeemedBy: string[], revoked: boolean }

describe('revocation is final', () => {
  const h: Harness = harness({ after })
  let a: MycelProcess // founder, the only admin
  let b: MycelProcess // joined with a saved multi-use invite, then revoked
  let multi: string

  before(async () => {
    a = await h.start(await h.found('acme', 'alpha'))
    multi = await h.invite(a, { uses: 5 })
    const bHome = await h.join(multi, 'beta')
    // a member may call itself anything: this one's name carries terminal escapes (clear screen, retitle, bell)
    const path = join(bHome, 'node.json')
    const config = JSON.parse(await readFile(path, 'utf8'))
    config.name = 'beta\u001b[2J\u001b]0;pwned\u0007\u009b31m'
    await writeFile(path, JSON.stringify(config))
    b = await h.start(bHome)
    await waitFor(async () => (await a.capIds()).includes(b.peerId), { what: 'the founder to hold beta\'s card' })
  })

  it('prints other members\' names in peers and caps without their control characters', async () => {
    for (const command of ['peers', 'caps']) {
      const res = await h.cli(a.home, [command])
      assert.equal(res.code, 0, res.stderr)
      assert.match(res.stdout, /beta\[2J\]0;pwned31m/, `${command} shows the name`)
      assert.doesNotMatch(res.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${command} prints no control character`)
    }
    // JSON keeps the name as it is, escaped
    const json = await h.cli(a.home, ['caps', '--json'])
    assert.ok(json.json<Array<{ name: string }>>().some(c => c.name === 'beta\u001b[2J\u001b]0;pwned\u0007\u009b31m'))
  })

  it('invite ls shows the invite, its uses left and who redeemed it', async () => {
    const res = await h.cli(a.home, ['invite', 'ls', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const row = res.json<InviteRow[]>().find(i => i.inviteId === decodeInvite(multi).inviteId)
    assert.deepEqual([row?.status, row?.usesLeft, row?.redeemedBy, row?.revoked], ['valid', 4, [b.peerId], false])
    const text = await h.cli(a.home, ['invite', 'ls'])
    assert.match(text.stdout, new RegExp(`${decodeInvite(multi).inviteId}\\s+valid\\s+4/5`))
  })

  it('a revoked member is refused at join with the invite it saved, under a new identity too', async () => {
    const res = await h.cli(a.home, ['revoke', b.peerId, '--json'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(res.json<{ invites: string[] }>().invites, [decodeInvite(multi).inviteId])
    // the revoked machine goes away and comes back as someone new; its old self redialling from the same
    // loopback address would trip libp2p's per-host inbound rate limit and muddle what this test shows
    await waitFor(async () => !(await a.peerIds()).includes(b.peerId), { what: 'the founder to drop beta' })
    await b.stop()
    const again = await h.cli(await h.newHome('beta-again'), ['join', multi, '--name', 'beta2'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^mycel: Join refused by the issuer: .*revoked/m)
    const row = (await h.cli(a.home, ['invite', 'ls', '--json'])).json<InviteRow[]>().find(i => i.inviteId === decodeInvite(multi).inviteId)
    assert.deepEqual([row?.status, row?.revoked], ['revoked', true])
  })

  it('revoke --keep-invites leaves the invite usable for others', async () => {
    const shared = await h.invite(a, { uses: 3 })
    const cHome = await h.join(shared, 'gamma')
    const c = JSON.parse((await h.ok(cHome, ['id', '--json'])).stdout) as { peerId: string }
    const res = await h.cli(a.home, ['revoke', c.peerId, '--keep-invites', '--json'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(res.json<{ invites: string[] }>().invites, [])
    await h.join(shared, 'delta')
  })

  it('invite revoke makes an invite unusable', async () => {
    const invite = await h.invite(a, { uses: 2 })
    const { inviteId } = decodeInvite(invite)
    const res = await h.cli(a.home, ['invite', 'revoke', inviteId])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Revoked invite/)
    const join = await h.cli(await h.newHome('late'), ['join', invite, '--name', 'late'])
    assert.equal(join.code, 1)
    assert.match(join.stderr, /revoked/)
    const bad = await h.cli(a.home, ['invite', 'revoke', 'nonsense'])
    assert.equal(bad.code, 2)
    assert.equal(bad.stderr.trim().split('\n').length, 1)
  })

  it('the last admin cannot revoke itself, not even with --force', async () => {
    const seq = (await a.status()).revocationSeq
    for (const args of [['revoke', a.peerId], ['revoke', a.peerId, '--force']]) {
      const res = await h.cli(a.home, args)
      assert.equal(res.code, 1)
      assert.match(res.stderr, /^mycel: Refusing to revoke the last admin/m)
      assert.equal(res.stderr.trim().split('\n').length, 1)
    }
    assert.equal((await a.status()).revocationSeq, seq, 'no revocation list was signed')
    assert.deepEqual((await a.status()).admin, true)
  })
})
