/**
 * Invites that cannot work are refused when they are made, and a join that
 * fails leaves the home as it was: nothing new, or nothing at all.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../node/cli/main.ts'
import type { Output } from '../../node/cli/output.ts'
import { printable } from '../../node/cli/output.ts'
import { createInvite } from '../../identity/invite.ts'
import { createOrg } from '../../identity/org.ts'
import { generatePsk } from '../../identity/psk.ts'

interface Run { code: number, stdout: string, stderr: string }

async function mycel (args: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const out: Output = {
    line: (t = '') => { stdout += t + '\n' },
    write: (t) => { stdout += t },
    json: (v) => { stdout += JSON.stringify(v) + '\n' },
    error: (t) => { stderr += t + '\n' },
    progress: () => {}
  }
  const code = await main(args, { out, env: {} })
  return { code, stdout, stderr }
}

describe('cli: invites that could never work, and joins that fail', () => {
  const dirs: string[] = []
  after(async () => { await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) })) })
  const home = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'mycel-cli-')); dirs.push(d); return join(d, 'home') }
  const founder = async (): Promise<string> => {
    const h = await home()
    assert.equal((await mycel(['init', '--home', h])).code, 0)
    assert.equal((await mycel(['org', 'create', 'acme', '--home', h])).code, 0)
    return h
  }

  it('refuses --addr values that are not dialable multiaddrs, in one line', async () => {
    const h = await founder()
    for (const addr of ['not-a-multiaddr', '/ip4/0.0.0.0/tcp/4001', '/ip4/127.0.0.1', '/ip4/127.0.0.1/tcp/0']) {
      const res = await mycel(['invite', 'create', '--addr', addr, '--home', h])
      assert.equal(res.code, 2, addr)
      assert.equal(res.stdout, '', 'no invite printed')
      assert.equal(res.stderr.trim().split('\n').length, 1)
      assert.match(res.stderr, /^mycel: --addr: Address /)
    }
    assert.equal((await mycel(['invite', 'create', '--addr', '/dns4/node.example/tcp/4001', '--home', h])).code, 0)
  })

  it('refuses an invite with no address (node stopped, no --addr) with a clear message', async () => {
    const h = await founder()
    const res = await mycel(['invite', 'create', '--home', h])
    assert.equal(res.code, 1)
    assert.equal(res.stdout, '')
    assert.equal(res.stderr.trim().split('\n').length, 1)
    assert.match(res.stderr, /no address to dial.*mycel start.*--addr/)
    const org = createOrg('acme')
    assert.throws(() => createInvite({ admin: org.admin, adminCert: org.adminCert, addrs: [], psk: generatePsk() }), { name: 'InviteWithoutAddressError' })
  })

  it('a failed join writes nothing into a new home and changes nothing in an existing one', async () => {
    const admin = await founder()
    // nobody listens on the discard port: the join gets as far as dialling and fails there
    const { invite } = JSON.parse((await mycel(['invite', 'create', '--addr', '/ip4/127.0.0.1/tcp/9', '--json', '--home', admin])).stdout)
    const fresh = await home()
    const res = await mycel(['join', invite, '--home', fresh])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /Could not reach the issuer/)
    await assert.rejects(readdir(fresh), { code: 'ENOENT' }, 'no half-made home')

    const existing = await home()
    assert.equal((await mycel(['init', '--name', 'beta', '--home', existing])).code, 0)
    const before = { files: (await readdir(existing)).sort(), config: await readFile(join(existing, 'node.json'), 'utf8'), key: await readFile(join(existing, 'identity.key')) }
    assert.equal((await mycel(['join', invite, '--home', existing])).code, 1)
    assert.deepEqual((await readdir(existing)).sort(), before.files)
    assert.equal(await readFile(join(existing, 'node.json'), 'utf8'), before.config)
    assert.deepEqual(await readFile(join(existing, 'identity.key')), before.key)
  })

  it('printable() strips terminal control sequences and keeps the text', () => {
    assert.equal(printable('beta\u001b[2J\u001b]0;x\u0007\u009b31m\r\u202eok'), 'beta[2J]0;x31mok')
    assert.equal(printable('two\nlines\tand tabs'), 'two\nlines\tand tabs')
  })
})
