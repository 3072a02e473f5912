/**
 * Witnessed audit between real nodes: alpha and beta are `mycel start`
 * processes, gamma runs in this process (its host and key let the test act
 * as a member that lies). What each layer catches:
 *
 * - restoring only the data folder: the high-water mark beside the key
 *   (test/audit/high-water.e2e.test.ts) fails the node's own verify;
 * - restoring the whole home, mark included: the node's own verify passes,
 *   `audit verify --peers` fails naming the witnesses and their checkpoints,
 *   and the witnesses flag the node once it offers its older log;
 * - a member that signs a rewritten, forked or rolled-back log: refused and
 *   flagged (status, audit) by a member holding its earlier checkpoint;
 *   forged, replayed and malformed offers are refused and the witness keeps
 *   serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/assembly/index.ts'
import { openCheckpoint, signCheckpoint, type Checkpoint } from '../../node/audit/index.ts'
import { WITNESS_PROTOCOL } from '../../protocol/witness/index.ts'
import { heldBy, offerCheckpoint, type PeerVerifyResult, type WitnessDial, type WitnessWarning } from '../../node/witness/index.ts'
import { loadNodeKey } from '../../identity/keystore.ts'
import { generateKeyPair, sign, verify } from '../../identity/keys.ts'
import { frame } from '../../node/streams.ts'
import { assertChromium, openBrowser, screenshot } from '../dashboard/chromium.ts'

describe('witnessed audit between node processes', { timeout: 480_000 }, () => {
  const h: Harness = harness({ after })
  let a: MycelProcess
  let b: MycelProcess
  let c: MycelNode

  const echo = async (node: MycelProcess): Promise<void> => { await h.ok(node.home, ['run', '--local', '--kind', 'echo', 'hello']) }
  const verifyPeers = async (node: MycelProcess): Promise<PeerVerifyResult> => await node.get<PeerVerifyResult>('/api/audit/verify-peers')
  const warningsOf = async (node: MycelProcess, peer: string): Promise<WitnessWarning[]> => (await node.status()).witness?.warnings.filter(w => w.peer === peer) ?? []

  before(async () => {
    const founder = await h.found('acme', 'alpha')
    a = await h.start(founder)
    b = await h.start(await h.join(await h.invite(a), 'beta'))
    c = await h.node(await h.join(await h.invite(a), 'gamma'), { runtime: false })
    await waitFor(async () => (await a.peers()).length === 2 && (await b.peers()).length === 2, { timeoutMs: 60_000, what: 'the three members to connect' })
  })

  it('members witness each other: verify --peers passes on an honest node', async () => {
    await echo(b)
    const size = (await b.get<Array<{ seq: number }>>('/api/audit/tail?n=1'))[0]!.seq + 1
    const result = await waitFor(async () => {
      const r = await verifyPeers(b)
      return r.ok && r.witnesses.filter(w => w.status === 'consistent' && (w.checkpoint?.size ?? 0) >= size).length === 2 ? r : undefined
    }, { timeoutMs: 30_000, what: 'alpha and gamma to hold beta\'s checkpoint after its task' })
    assert.deepEqual(result.witnesses.map(w => w.peer).sort(), [a.peerId, c.peerId].sort())
    const res = await h.cli(b.home, ['audit', 'verify', '--peers'])
    assert.equal(res.code, 0, res.stdout + res.stderr)
    assert.match(res.stdout, /^ok: \d+ entries; consistent with the checkpoints 2 witnesses hold/m)
    assert.equal((await a.status()).witness?.witnessed, 2)
  })

  it('a whole home restored from a backup passes its own verify and fails verify --peers, naming the witness', async () => {
    await b.stop()
    const backup = join(await h.tempDir('mycel-backup-'), 'home')
    await cp(b.home, backup, { recursive: true })
    await b.restart()
    for (let i = 0; i < 3; i++) await echo(b)
    const size = (await b.get<Array<{ seq: number }>>('/api/audit/tail?n=1'))[0]!.seq + 1
    await waitFor(async () => (await verifyPeers(b)).witnesses.filter(w => (w.checkpoint?.size ?? 0) >= size).length === 2,
      { timeoutMs: 30_000, what: 'the witnesses to hold beta\'s grown log' })
    await b.stop()
    await rm(b.home, { recursive: true, force: true })
    await cp(backup, b.home, { recursive: true })
    b = await h.start(b.home)

    const own = await h.cli(b.home, ['audit', 'verify'])
    assert.equal(own.code, 0, own.stdout + own.stderr)
    assert.match(own.stdout, /^ok: /)
    await waitFor(async () => (await b.peers()).length === 2, { timeoutMs: 30_000, what: 'beta to reconnect' })
    const peers = await h.cli(b.home, ['audit', 'verify', '--peers'])
    assert.equal(peers.code, 1, peers.stdout + peers.stderr)
    for (const witness of [a.peerId, c.peerId]) {
      assert.match(peers.stdout, new RegExp(`^FAILED: witness ${witness} holds this node's checkpoint of \\d+ entries \\(root [0-9a-f]{16}…, signed [^)]+\\), but the log has only \\d+ entries: it was rolled back or restored from an older copy$`, 'm'))
    }
    const json = (await h.cli(b.home, ['audit', 'verify', '--peers', '--json'])).json<PeerVerifyResult>()
    assert.equal(json.ok, false)
    assert.equal(json.local.ok, true)
    assert.deepEqual(json.witnesses.map(w => w.status), ['rolled-back', 'rolled-back'])
    assert.ok(json.witnesses.every(w => (w.checkpoint?.size ?? 0) >= size && (w.checkpoint?.size ?? 0) > json.entries))

    // beta's restored node offers its shorter log, signed now: the witnesses flag it
    const flagged = await waitFor(async () => { const w = await warningsOf(a, b.peerId); return w.length > 0 ? w : undefined }, { timeoutMs: 30_000, what: 'alpha to flag beta' })
    assert.equal(flagged[0]?.kind, 'rolled-back')
    assert.ok((flagged[0]?.held.size ?? 0) >= size)
    const status = await h.cli(a.home, ['status'])
    assert.match(status.stdout, new RegExp(`^WARNING    peer ${b.peerId} rolled back its audit log: it signed \\d+ entries`, 'm'))
    const tail = await a.get<Array<{ type: string, peer?: string, data?: Record<string, unknown> }>>('/api/audit/tail?n=50')
    assert.ok(tail.some(e => e.type === 'witness.inconsistent' && e.peer === b.peerId && e.data?.kind === 'rolled-back'))
  })

  describe('a member that lies to its witness', () => {
    let dial: WitnessDial
    let key: Awaited<ReturnType<typeof loadNodeKey>>
    let held: Checkpoint
    const offer = async (bytes: Uint8Array, proof: (from: number) => Promise<Uint8Array[]> = async () => []): Promise<number> =>
      await offerCheckpoint(dial, a.peerId, bytes, proof, { signal: AbortSignal.timeout(10_000) })

    before(async () => {
      // gamma's own offers would race the test's: the test speaks for gamma from here on
      await c.services.witness.stop()
      const host = c.services.host
      dial = async (peer, protocol, o) => await host.dialProtocol(peer, protocol, o)
      key = await loadNodeKey(c.paths.identityKey)
      const bytes = await waitFor(async () => await heldBy(dial, a.peerId, { signal: AbortSignal.timeout(10_000) }) ?? undefined, { timeoutMs: 30_000, what: 'alpha to hold a checkpoint of gamma' })
      held = openCheckpoint(bytes, key.publicKey, verify)
    })

    const signed = (cp: Partial<Checkpoint>): Uint8Array => signCheckpoint({ ...held, ...cp }, (m) => sign(key.secretKey, m))

    it('refuses a forged and a replayed checkpoint without flagging anyone', async () => {
      const mallory = generateKeyPair()
      await assert.rejects(offer(signCheckpoint({ ...held, size: held.size + 1, time: Date.now() }, (m) => sign(mallory.secretKey, m))), { name: 'WitnessRefusedError', code: 'forged' })
      await assert.rejects(offer(signed({ size: held.size - 1, time: held.time - 1 })), { name: 'WitnessRefusedError', code: 'replayed' })
      assert.deepEqual(await warningsOf(a, c.peerId), [])
    })

    it('refuses and flags a smaller log, a different root at the same size and a rewritten history', async () => {
      await assert.rejects(offer(signed({ size: held.size - 1, time: Date.now() })), { name: 'WitnessRefusedError', code: 'rolled-back' })
      await assert.rejects(offer(signed({ rootHash: randomBytes(32), time: Date.now() })), { name: 'WitnessRefusedError', code: 'forked' })
      const asked: number[] = []
      await assert.rejects(offer(signed({ size: held.size + 5, rootHash: randomBytes(32), time: Date.now() }), async (from) => { asked.push(from); return [randomBytes(32), randomBytes(32)] }),
        { name: 'WitnessRefusedError', code: 'rewritten' })
      assert.deepEqual(asked, [held.size])
      const warnings = await warningsOf(a, c.peerId)
      assert.equal(warnings[0]?.kind, 'rewritten')
      assert.match(warnings[0]?.reason ?? '', new RegExp(`^peer ${c.peerId} rewrote its audit log: ${held.size + 5} entries .* does not extend ${held.size} entries`))
      const tail = await a.get<Array<{ type: string, peer?: string, data?: Record<string, unknown> }>>('/api/audit/tail?n=50')
      assert.deepEqual(tail.filter(e => e.type === 'witness.inconsistent' && e.peer === c.peerId).map(e => e.data?.kind), ['rolled-back', 'forked', 'rewritten'])
      // the held checkpoint is still the one gamma signed first
      const still = await heldBy(dial, a.peerId, { signal: AbortSignal.timeout(10_000) })
      assert.equal(openCheckpoint(still!, key.publicKey, verify).size, held.size)
    })

    it('warns in mycel status and on the dashboard of the witness', async () => {
      const status = await h.ok(a.home, ['status'])
      assert.match(status.stdout, new RegExp(`WARNING +peer ${c.peerId} rewrote its audit log`))
      assertChromium()
      const errors: string[] = []
      const { browser, page } = await openBrowser(await h.tempDir('mycel-witness-browser-'), { width: 1280, height: 900 }, errors)
      try {
        await page.goto(`${a.api.url}/?token=${a.api.token}`)
        const banner = page.locator('#witness-warnings')
        await banner.waitFor({ state: 'visible', timeout: 30_000 })
        assert.match(await banner.innerText(), new RegExp(`Audit history rewritten: peer ${c.peerId} rewrote its audit log`))
        await screenshot(page, 'witness-warning.png')
        assert.deepEqual(errors, [])
      } finally {
        await browser.close()
      }
    })

    it('resets a malformed or oversized frame and keeps serving', async () => {
      for (const bad of [new Uint8Array([0xff, 0x00, 0x13]), new Uint8Array(9000)]) {
        const stream = await c.services.host.dialProtocol(peerIdFromString(a.peerId), WITNESS_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
        const framed = frame(stream, { maxFrameBytes: 16 * 1024 })
        await framed.write(bad)
        await assert.rejects(framed.read(b => b, { signal: AbortSignal.timeout(10_000) }))
      }
      const again = await heldBy(dial, a.peerId, { signal: AbortSignal.timeout(10_000) })
      assert.equal(openCheckpoint(again!, key.publicKey, verify).size, held.size)
      assert.equal((await a.status()).peers, 2)
    })
  })
})
