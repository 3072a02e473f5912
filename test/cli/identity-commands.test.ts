/**
 * The first CLI commands as a user meets them: init, id, org create, invite
 * create/inspect, join's local checks. Run in-process through `main` with a
 * capturing output, so exit codes and the exact stderr line are asserted.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../node/cli/main.ts'
import type { Output } from '../../node/cli/output.ts'
import { bech32m } from '@scure/base'

interface Run { code: number, stdout: string, stderr: string }

async function mycel (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const out: Output = {
    line: (t = '') => { stdout += t + '\n' },
    write: (t) => { stdout += t },
    json: (v) => { stdout += JSON.stringify(v) + '\n' },
    error: (t) => { stderr += t + '\n' },
    progress: () => {}
  }
  const code = await main(args, { out, env })
  return { code, stdout, stderr }
}

describe('cli: identity, org and invites', () => {
  const dirs: string[] = []
  after(async () => { await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) })) })
  const home = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'mycel-cli-')); dirs.push(d); return join(d, 'home') }

  it('init creates a 0600 identity, prints the peer id, and refuses to overwrite it', async () => {
    const h = await home()
    const first = await mycel(['init', '--name', 'alpha', '--home', h])
    assert.equal(first.code, 0)
    const peerId = first.stdout.trim()
    assert.match(peerId, /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)
    assert.equal((await stat(join(h, 'identity.key'))).mode & 0o777, 0o600)
    assert.equal((await stat(join(h, 'node.json'))).mode & 0o777, 0o600)
    const again = await mycel(['--home', h, 'init'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already exists.*refusing to overwrite/)
    assert.ok(!again.stderr.includes('    at '), 'no stack trace without --verbose')
    const id = JSON.parse((await mycel(['id', '--json', '--home', h])).stdout)
    assert.deepEqual(id, { peerId, name: 'alpha', org: null, groups: [], certExpiresAt: null, admin: false })
  })

  it('with MYCEL_PASSPHRASE the key is encrypted, and a wrong passphrase is one clear error', async () => {
    const h = await home()
    assert.equal((await mycel(['init', '--home', h], { MYCEL_PASSPHRASE: 'correct horse' })).code, 0)
    const wrong = await mycel(['org', 'create', 'acme', '--home', h], { MYCEL_PASSPHRASE: 'wrong' })
    assert.equal(wrong.code, 1)
    assert.equal(wrong.stderr.trim().split('\n').length, 1)
    assert.match(wrong.stderr, /passphrase/i)
    const none = await mycel(['org', 'create', 'acme', '--home', h], {})
    assert.equal(none.code, 1)
    assert.match(none.stderr, /MYCEL_PASSPHRASE/)
    assert.equal((await mycel(['org', 'create', 'acme', '--home', h], { MYCEL_PASSPHRASE: 'correct horse' })).code, 0)
  })

  it('org create makes this node the admin; invites round-trip through inspect', async () => {
    const h = await home()
    await mycel(['init', '--home', h])
    const org = await mycel(['org', 'create', 'acme', '--home', h, '--json'])
    assert.equal(org.code, 0)
    const created = JSON.parse(org.stdout)
    assert.equal(created.org.name, 'acme')
    assert.deepEqual(created.groups, ['members', 'admins'])
    assert.equal((await stat(join(h, 'org-keys.cbor'))).mode & 0o777, 0o600)
    const again = await mycel(['org', 'create', 'other', '--home', h])
    assert.equal(again.code, 2)

    const inv = await mycel(['invite', 'create', '--uses', '3', '--ttl', '2h', '--group', 'eng', '--addr', '/ip4/127.0.0.1/tcp/4001', '--json', '--home', h])
    assert.equal(inv.code, 0, inv.stderr)
    const { invite, uses, expiresAt } = JSON.parse(inv.stdout)
    assert.equal(uses, 3)
    assert.ok(expiresAt > Date.now() + 7_000_000 && expiresAt <= Date.now() + 7_200_000)
    assert.match(invite, /^mycel1/)
    const inspected = await mycel(['invite', 'inspect', invite, '--json'])
    assert.equal(inspected.code, 0)
    const info = JSON.parse(inspected.stdout)
    assert.equal(info.status, 'valid')
    assert.equal(info.org.name, 'acme')
    assert.deepEqual(info.groups, ['eng'])
    assert.deepEqual(info.addrs, ['/ip4/127.0.0.1/tcp/4001'])
    assert.equal(info.issuer, JSON.parse((await mycel(['id', '--json', '--home', h])).stdout).peerId)
  })

  it('a one-character typo is named as a typo; a tampered invite as tampered; an expired one as expired', async () => {
    const h = await home()
    await mycel(['init', '--home', h])
    await mycel(['org', 'create', 'acme', '--home', h])
    const { invite } = JSON.parse((await mycel(['invite', 'create', '--addr', '/ip4/127.0.0.1/tcp/4001', '--json', '--home', h])).stdout)
    const i = 40
    const typo = invite.slice(0, i) + (invite[i] === 'q' ? 'p' : 'q') + invite.slice(i + 1)
    const r = await mycel(['invite', 'inspect', typo])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /typo/i)
    const joinTypo = await mycel(['join', typo, '--home', await home()])
    assert.match(joinTypo.stderr, /typo/i)

    // flip a byte inside the signed payload and recompute the checksum: a tamper, not a typo
    const { prefix, words } = bech32m.decode(invite, 8192)
    const bytes = bech32m.fromWords(words)
    const at = bytes.length - 80
    bytes[at] = (bytes[at] as number) ^ 0x01
    const tampered = bech32m.encode(prefix, bech32m.toWords(bytes), 8192)
    const t = await mycel(['invite', 'inspect', tampered])
    assert.equal(t.code, 1)
    assert.match(t.stderr, /tamper|altered|damaged/i)
    assert.doesNotMatch(t.stderr, /typo/i)

    const { invite: short } = JSON.parse((await mycel(['invite', 'create', '--ttl', '1ms', '--addr', '/ip4/127.0.0.1/tcp/4001', '--json', '--home', h])).stdout)
    await new Promise(resolve => setTimeout(resolve, 5))
    const exp = await mycel(['invite', 'inspect', short, '--json'])
    assert.equal(exp.code, 1)
    assert.equal(JSON.parse(exp.stdout).status, 'expired')
    const joinExpired = await mycel(['join', short, '--home', await home()])
    assert.equal(joinExpired.code, 1)
    assert.match(joinExpired.stderr, /expired/i)
  })

  it('bad arguments exit 2 with one line and leave no partial files', async () => {
    const h = await home()
    const bad = await mycel(['init', '--name', '../../etc', '--home', h])
    assert.equal(bad.code, 2)
    assert.equal(bad.stderr.trim().split('\n').length, 1)
    assert.deepEqual(await readdir(h).catch(() => []), [])
    assert.equal((await mycel(['invite', 'create', '--ttl', 'forever', '--home', h])).code, 2)
    assert.equal((await mycel(['frobnicate'])).code, 2)
    const junk = await mycel(['invite', 'inspect', 'x'.repeat(100_000)])
    assert.equal(junk.code, 1)
    assert.equal(junk.stderr.trim().split('\n').length, 1)
    assert.ok(junk.stderr.length < 300)
  })

  it('--home is accepted anywhere on the line and defaults to $MYCEL_HOME', async () => {
    const h = await home()
    assert.equal((await mycel(['init'], { MYCEL_HOME: h })).code, 0)
    const a = JSON.parse((await mycel(['--home', h, 'id', '--json'])).stdout)
    const b = JSON.parse((await mycel(['id', '--json', '--home', h])).stdout)
    const c = JSON.parse((await mycel(['id', '--json'], { MYCEL_HOME: h })).stdout)
    assert.equal(a.peerId, b.peerId)
    assert.equal(b.peerId, c.peerId)
  })
})
