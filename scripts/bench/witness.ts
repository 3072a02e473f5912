/**
 * Witnessed audit: what exchanging checkpoints costs a node, and how long
 * `audit verify --peers` takes on a large log.
 *
 * - A 16-node mesh in this process (16 libp2p hosts over TCP on loopback,
 *   Noise, yamux; each with its own audit log in `level` and the witness
 *   service): every node appends a task's worth of entries, then offers its
 *   checkpoint to the 15 others, who ask for and check a consistency proof.
 *   One such round per second is the busiest a minute gets (offers follow
 *   batches at most once a second; the 30 s schedule only repeats
 *   unanswered ones), so the rows are per node per minute at one round a
 *   second: frame bytes sent and received next to the bare bytes of
 *   handing one signed checkpoint to 15 members, and CPU time (all 16
 *   nodes share this process, libp2p included, divided by 16).
 * - `audit verify --peers` at 100,000 entries with 15 witnesses holding
 *   checkpoints spread over the log, next to the plain `audit verify` of
 *   the same log (what 15 fetched checkpoints and proofs add).
 *
 * Reproduce with `npm run bench -- witness`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { digest, openAuditLog, type AuditLog, type AuditEntryInput } from '../../node/audit/index.ts'
import { createLogger } from '../../node/logger.ts'
import { verifyAgainstWitnesses, witnessService, WitnessStore, type WitnessService } from '../../node/witness/index.ts'
import type { BenchRow, BenchSuite } from './table.ts'
import { generateKeyPair, sign, verify } from '../../identity/keys.ts'

const NODES = 16
const ROUNDS = 20
const ENTRIES_PER_ROUND = 6
const VERIFY_ENTRIES = 100_000
const WITNESSES = 15
interface Keys { seed: Uint8Array, publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array }

function keys (): Keys {
  const kp = generateKeyPair()
  return { seed: kp.secretKey, publicKey: kp.publicKey, sign: (m) => sign(kp.secretKey, m) }
}

const entry = (i: number): AuditEntryInput => ({
  type: 'task.state', actor: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', task: `task-${i}`, data: { state: 'working', input: digest(`prompt ${i}`) }
})

interface BenchNode { host: Libp2p, log: AuditLog, witness: WitnessService, db: Level<string, Uint8Array>, dir: string }

async function meshNode (k: Keys, members: () => string[]): Promise<BenchNode> {
  const raw = new Uint8Array(64); raw.set(k.seed); raw.set(k.publicKey, 32)
  const host = await createLibp2p({ privateKey: privateKeyFromRaw(raw), addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
    // every host is dialled by up to 15 others at once: above libp2p's default inbound rate limit
    connectionManager: { maxConnections: 256, inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 64 } })
  const dir = await mkdtemp(join(tmpdir(), 'mycel-bench-witness-'))
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  await db.open()
  const log = await openAuditLog({ db: db.sublevel<string, Uint8Array>('audit', { valueEncoding: 'view' }) as any, sign: k.sign, publicKey: k.publicKey, verify }, { checkpointIntervalMs: 0, checkpointEveryEntries: 0 })
  const witness = witnessService({ intervalMs: 0, afterBatchMs: 3_600_000 })({
    logger: createLogger('mycel:bench:witness'),
    host: host as any,
    self: host.peerId.toString(),
    members,
    onMember: () => () => {},
    audit: { latestCheckpoint: () => log.latestCheckpoint(), consistencyProof: async (a, b) => await log.consistencyProof(a, b), append: async (e) => await log.append(e), subscribe: () => () => {} },
    store: new WitnessStore({ db, verify })
  })
  await witness.start()
  return { host, log, witness, db, dir }
}

async function meshRows (): Promise<BenchRow[]> {
  const ids: string[] = []
  const nodes: BenchNode[] = []
  try {
    for (let i = 0; i < NODES; i++) {
      const self = i
      nodes.push(await meshNode(keys(), () => ids.filter((_, j) => j !== self)))
      ids.push(nodes[i]!.host.peerId.toString())
    }
    for (let i = 0; i < NODES; i++) for (let j = i + 1; j < NODES; j++) await nodes[i]!.host.dial(nodes[j]!.host.getMultiaddrs()[0]!)
    let seq = 0
    const round = async (): Promise<void> => {
      for (const n of nodes) { await Promise.all(Array.from({ length: ENTRIES_PER_ROUND }, () => n.log.append(entry(seq++)))); await n.log.checkpoint() }
      await Promise.all(nodes.map(async n => { await n.witness.offerAll() }))
    }
    await round() // first contact: nothing held yet, no proofs
    const before = nodes.map(n => ({ ...n.witness.traffic }))
    const cpu = process.cpuUsage()
    for (let r = 0; r < ROUNDS; r++) await round()
    const used = process.cpuUsage(cpu)
    const bytes = nodes.reduce((sum, n, i) => sum + n.witness.traffic.sent - before[i]!.sent + n.witness.traffic.received - before[i]!.received, 0) / NODES / ROUNDS
    const held = await Promise.all(nodes.map(async (n, i) => (await n.witness.heldBy(ids[(i + 1) % NODES]!))?.byteLength ?? 0))
    const cpBytes = Math.max(...held)
    const perMinute = 60
    return [
      { suite: 'witness', name: `exchange bytes/node/min, ${NODES}-node mesh, a batch every second`, value: Math.round(bytes * perMinute), unit: 'B', baseline: { name: `one bare checkpoint to ${NODES - 1} members, each way, per second`, value: cpBytes * (NODES - 1) * 2 * perMinute } },
      { suite: 'witness', name: `exchange CPU/node/min, ${NODES}-node mesh, a batch every second`, value: Math.round((used.user + used.system) / 1000 / NODES / ROUNDS * perMinute), unit: 'ms', baseline: { name: 'one minute of one core', value: 60_000 } }
    ]
  } finally {
    for (const n of nodes) {
      await n.witness.stop(); await n.log.stop(); await n.host.stop(); await n.db.close()
      await rm(n.dir, { recursive: true, force: true })
    }
  }
}

async function verifyRows (): Promise<BenchRow[]> {
  const k = keys()
  const dir = await mkdtemp(join(tmpdir(), 'mycel-bench-witness-'))
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  await db.open()
  try {
    const log = await openAuditLog({ db, sign: k.sign, publicKey: k.publicKey, verify }, { checkpointIntervalMs: 0 })
    const held: Uint8Array[] = []
    const step = Math.floor(VERIFY_ENTRIES / WITNESSES)
    for (let i = 0; i < VERIFY_ENTRIES; i += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, j) => log.append(entry(i + j))))
      // witnesses last heard from this node at different times: their checkpoints are spread over the log
      if (held.length < WITNESSES && i + 1000 >= (held.length + 1) * step - 500) held.push((await log.checkpoint()).bytes)
    }
    await log.checkpoint()
    const members = held.map((_, i) => `witness-${i}`)
    let t = performance.now()
    const own = await log.verify()
    const ownMs = performance.now() - t
    t = performance.now()
    const result = await verifyAgainstWitnesses({ log, publicKey: k.publicKey, verify, members: () => members, heldBy: async (p) => held[Number(p.slice(8))] ?? null })
    const peersMs = performance.now() - t
    await log.stop()
    if (!own.ok || !result.ok || result.witnesses.filter(w => w.status === 'consistent').length !== WITNESSES) throw new Error('bench log did not verify against its witnesses')
    return [{ suite: 'witness', name: `audit verify --peers, ${VERIFY_ENTRIES.toLocaleString('en-US')} entries, ${WITNESSES} witnesses`, value: Math.round(peersMs), unit: 'ms', baseline: { name: 'audit verify of the same log alone', value: Math.round(ownMs) } }]
  } finally {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export const witness: BenchSuite = {
  name: 'witness',
  run: async () => [...await meshRows(), ...await verifyRows()]
}
