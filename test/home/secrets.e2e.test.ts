/**
 * Secrets at rest between real node processes: with MYCEL_PASSPHRASE the
 * mesh key is sealed in `org-psk` and in clear in no home file; a home that
 * kept it in node.json (as homes did before) is migrated on start without
 * losing it (the member rejoins the mesh); nodes restart and rejoin; and
 * `mycel doctor --json` lists each file with its mode and secret, warning
 * on a loose mode and on secrets kept in clear.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { loadOrgPsk } from '../../node/home/psk.ts'
import { homePaths } from '../../node/home/home.ts'
import { toHex } from '../../identity/bytes.ts'
import type { DoctorReport } from '../../node/home/doctor.ts'

const PASSPHRASE = 'a long passphrase for the mesh key'

describe('secrets at rest', { timeout: 240_000 }, () => {
  const h = harness({ after })
  const env = { MYCEL_PASSPHRASE: PASSPHRASE }
  let alpha: MycelProcess
  let beta: MycelProcess
  let psk: Uint8Array

  const config = async (home: string): Promise<{ org?: Record<string, unknown> }> => JSON.parse(await readFile(join(home, 'node.json'), 'utf8'))
  /** Every file of a home that holds the key, hex or raw. */
  const holders = async (home: string): Promise<string[]> => {
    const out: string[] = []
    for (const name of await readdir(home, { recursive: true })) {
      const bytes = await readFile(join(home, name)).catch(() => null)
      if (bytes != null && (bytes.includes(toHex(psk)) || bytes.includes(Buffer.from(psk)))) out.push(name)
    }
    return out
  }
  const doctor = async (home: string, withPassphrase: boolean): Promise<{ code: number, report: DoctorReport }> => {
    const r = await h.cli(home, ['doctor', '--json'], withPassphrase ? { env } : {})
    return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport }
  }
  const connected = async (a: MycelProcess, b: MycelProcess): Promise<void> => {
    await waitFor(async () => (await a.peerIds()).includes(b.peerId) && (await b.peerIds()).includes(a.peerId), { what: 'the two nodes to admit each other', timeoutMs: 60_000 })
  }

  before(async () => {
    const home = await h.newHome('alpha')
    await h.ok(home, ['init', '--name', 'alpha'], { env })
    const created = await h.ok(home, ['org', 'create', 'acme'], { env })
    assert.match(created.stdout, /The mesh key is sealed with MYCEL_PASSPHRASE/)
    psk = (await loadOrgPsk(homePaths(home), await config(home) as any, PASSPHRASE)).psk
    alpha = await h.start(home, { env })
  })

  it('keeps the mesh key sealed: in clear in no home file, before and after start', async () => {
    assert.equal((await config(alpha.home)).org?.psk, undefined)
    assert.deepEqual(await holders(alpha.home), [])
  })

  it('migrates a home that kept the key in node.json, without losing it; nodes restart and rejoin', async () => {
    const invite = await h.invite(alpha)
    const home = await h.newHome('beta')
    await h.ok(home, ['init', '--name', 'beta'], { env })
    await h.ok(home, ['join', invite], { env })
    assert.deepEqual(await holders(home), [])
    // as a home from before: the key in clear in node.json, no org-psk
    const legacy = await config(home)
    ;(legacy.org as Record<string, unknown>).psk = toHex(psk)
    await writeFile(join(home, 'node.json'), JSON.stringify(legacy, null, 2), { mode: 0o600 })
    await rm(join(home, 'org-psk'))
    assert.deepEqual(await holders(home), ['node.json'])
    beta = await h.start(home, { env })
    await connected(alpha, beta)
    assert.deepEqual(await holders(home), [], 'moved out of node.json, sealed')
    assert.deepEqual((await loadOrgPsk(homePaths(home), await config(home) as any, PASSPHRASE)).psk, psk)
    await beta.restart()
    await connected(alpha, beta)
    await alpha.restart()
    await connected(alpha, beta)
    assert.deepEqual(await holders(alpha.home), [])
    assert.deepEqual(await holders(home), [])
  })

  it('mycel doctor --json lists every file with its mode and secret, and warns on a loose mode', async () => {
    const ok = await doctor(beta.home, true)
    assert.equal(ok.code, 0, JSON.stringify(ok.report.warnings))
    const byPath = new Map(ok.report.files.map(f => [f.path, f]))
    assert.equal(byPath.get('org-psk')?.secret, 'sealed')
    assert.equal(byPath.get('org-psk')?.holds, 'org-psk')
    assert.equal(byPath.get('org-psk')?.mode, '600')
    assert.equal(byPath.get('identity.key')?.secret, 'sealed')
    assert.equal(byPath.get('encryption.key')?.secret, 'sealed')
    assert.equal(byPath.get('node.json')?.secret, 'none')
    assert.equal(byPath.get('api.json')?.secret, 'clear')
    assert.ok(ok.report.files.some(f => f.path.startsWith('data/')), 'the database files too')
    assert.deepEqual(ok.report.warnings, [])
    await chmod(join(beta.home, 'org-psk'), 0o644)
    const loose = await doctor(beta.home, true)
    assert.equal(loose.code, 1)
    assert.deepEqual(loose.report.warnings, ['org-psk holds org-psk and is readable by others (mode 644); chmod 600 it'])
    await chmod(join(beta.home, 'org-psk'), 0o600)
  })

  it('without a passphrase the key is kept in a 0600 file, and doctor says it is in clear', async () => {
    const home = await h.found('solo', 'solo')
    const r = await doctor(home, false)
    const file = r.report.files.find(f => f.path === 'org-psk')
    assert.equal(file?.secret, 'clear')
    assert.equal(file?.mode, '600')
    assert.equal((await config(home)).org?.psk, undefined)
    assert.equal(r.code, 1)
    assert.ok(r.report.warnings.includes('secrets are stored in clear (mode 0600): set MYCEL_PASSPHRASE to seal them'))
  })
})
