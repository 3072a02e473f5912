/**
 * The mesh as it grows: 8 and 16 members by default, so the growth shows
 * (32 and 64, the size issue 16 names, with `MYCEL_BENCH_SCALE_SIZES`: in
 * one process on 2 cores their upkeep alone outruns the machine, see
 * docs/benchmarks.md). Every member is a whole Mycel node (the real
 * membership gate, card service, revocation store, gossipsub, DHT, audit,
 * witness, API), run in this one process without inference; they are found,
 * invited and joined with the real CLI commands, then started together.
 *
 * Rows, at each size:
 * - formation: from starting every node to every node holding every
 *   member's verified card;
 * - card propagation: one member republishes its card, the time until each
 *   other member holds the new sequence number (p50, p95 over all arrivals
 *   of 5 rounds);
 * - revocation reaching all: the admin revokes a member, the time until
 *   every other member's revocation store has the new list (p95 of 3
 *   rounds; target at 64: <= 2 s);
 * - bytes on the wire per member per minute at rest (gossipsub heartbeats,
 *   DHT upkeep, card refresh), counted after the private-network cipher
 *   (`net/pnet.ts wireBytes`), the CPU that upkeep costs per member, and
 *   connections per member;
 * - arrivals missed: members a card or revocation did not reach in 60 s.
 *
 * All members share 127.0.0.1, which is on libp2p's allow list (no per-host
 * inbound limit between members on one machine: `node/net/host.ts`).
 *
 * Reproduce with `npm run bench -- scale` (about 5 minutes on 2 cores). A
 * size whose mesh does not form in 5 minutes gives a row saying how far it got.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Harness } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { wireBytes } from '../../node/net/pnet.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

/** Sizes run, smallest first; `MYCEL_BENCH_SCALE_SIZES=64` or `=32,64` asks for the sizes 2 cores cannot run in real time (docs/benchmarks.md). */
const SIZES = (process.env.MYCEL_BENCH_SCALE_SIZES ?? '8,16').split(',').map(Number)
const CARD_ROUNDS = 5
const REVOCATION_ROUNDS = 3
const REST_MS = 30_000
const POLL_MS = 20
/** Joins and starts run this many at a time: all at once would time the machine, not the mesh. */
const BATCH = 8
const REVOCATION_TARGET_MS = 2_000
const FORMATION_TIMEOUT_MS = 300_000

async function inBatches<T, R> (items: T[], fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < items.length; i += BATCH) out.push(...await Promise.all(items.slice(i, i + BATCH).map(async (item, j) => await fn(item, i + j))))
  return out
}

/** Times from `t0` until `arrived(node)` holds for each node, polled; members still without it after `timeoutMs` are counted as missed. */
async function arrivals (nodes: MycelNode[], arrived: (n: MycelNode) => boolean, t0: number, timeoutMs = 60_000): Promise<{ times: number[], missed: number }> {
  const at = new Map<MycelNode, number>()
  while (at.size < nodes.length && performance.now() - t0 <= timeoutMs) {
    for (const n of nodes) if (!at.has(n) && arrived(n)) at.set(n, performance.now() - t0)
    await sleep(POLL_MS)
  }
  const missing = nodes.filter(n => !at.has(n))
  if (missing.length > 0) progress(`${missing.length} of ${nodes.length} not reached in ${timeoutMs} ms: ${missing.map(n => `${n.peerId.slice(-6)} (${n.services.host.getConnections().length} conns)`).join(', ')}`)
  return { times: [...at.values()], missed: missing.length }
}

const progress = (line: string): void => { process.stderr.write(`bench: scale ${line}\n`) }

/** Members that must receive the revocation lists, over all rounds. */
const revocationTotal = (size: number): number => Array.from({ length: REVOCATION_ROUNDS }, (_, r) => size - 2 - r).reduce((a, b) => a + b, 0)

const holdsAll = (n: MycelNode, size: number): boolean => n.services.cards.cards().length >= size

async function measure (size: number): Promise<BenchRow[]> {
  const h = new Harness()
  const suite = 'scale'
  try {
    const founderHome = await h.found('acme', 'm0', { inProcess: true })
    const admin = await h.node(founderHome, { runtime: false })
    const invite = await h.invite(founderHome, { uses: size - 1, ttl: '1h', inProcess: true })
    const homes = await inBatches(Array.from({ length: size - 1 }, (_, i) => `m${i + 1}`), async (name) => await h.join(invite, name, { inProcess: true }))
    progress(`${size}: ${size - 1} joined`)

    const t0 = performance.now()
    const members = [admin, ...await inBatches(homes, async (home) => await h.node(home, { runtime: false }))]
    try {
      await waitFor(() => members.every(n => holdsAll(n, size)), { what: `${size} members to hold every card`, timeoutMs: FORMATION_TIMEOUT_MS, intervalMs: 100 })
    } catch {
      // a mesh that never formed is a result too: say how far it got, and measure nothing on top of it
      const whole = members.filter(n => holdsAll(n, size)).length
      progress(`${size}: not formed after ${FORMATION_TIMEOUT_MS} ms (${whole} of ${size} hold every card)`)
      return [
        { suite, name: `${size} members: mesh formed (all cards everywhere)`, value: Number.NaN, unit: 'ms', target: `within ${FORMATION_TIMEOUT_MS} ms`, met: false },
        { suite, name: `${size} members: members holding every card after ${FORMATION_TIMEOUT_MS / 1000} s`, value: whole, unit: 'members' }
      ]
    }
    const formedMs = performance.now() - t0
    progress(`${size}: formed in ${Math.round(formedMs)} ms`)

    const cardTimes: number[] = []
    let cardMisses = 0
    for (let r = 0; r < CARD_ROUNDS; r++) {
      const source = members[1 + (r % (size - 1))] as MycelNode
      const others = members.filter(n => n !== source)
      const start = performance.now()
      const { seq } = await source.services.cards.publish()
      const round = await arrivals(others, n => (n.services.cards.cards().find(c => c.card.peerId === source.peerId)?.card.seq ?? 0) >= seq, start)
      cardTimes.push(...round.times)
      cardMisses += round.missed
    }

    progress(`${size}: card rounds done`)
    // at rest: nothing asked of the mesh, only its upkeep
    await sleep(2_000)
    const before = wireBytes.sent + wireBytes.received
    const cpuBefore = process.cpuUsage()
    const restStart = performance.now()
    await sleep(REST_MS)
    const cpu = process.cpuUsage(cpuBefore)
    // every member runs in this process: its CPU over the wall time is the mesh's upkeep, in cores
    const restCoresPerMember = (cpu.user + cpu.system) / 1000 / (performance.now() - restStart) / size
    // every byte is counted twice in one process, sent by one member and received by another
    const restBytesPerMemberMinute = (wireBytes.sent + wireBytes.received - before) / 2 / size * (60_000 / REST_MS)
    const connections = members.map(n => n.services.host.getConnections().length)

    progress(`${size}: rest measured`)
    const revocationTimes: number[] = []
    let revocationMisses = 0
    let alive = members.slice(1)
    for (let r = 0; r < REVOCATION_ROUNDS; r++) {
      const victim = alive[alive.length - 1] as MycelNode
      alive = alive.slice(0, -1)
      const start = performance.now()
      await admin.revoke(victim.peerId)
      const seq = admin.services.revocations.seq()
      const round = await arrivals(alive, n => n.services.revocations.seq() >= seq, start)
      // a round that missed someone counts as taking the whole wait
      revocationTimes.push(round.missed > 0 ? 60_000 : Math.max(...round.times))
      revocationMisses += round.missed
      progress(`${size}: revocation ${r + 1} reached all in ${Math.round(revocationTimes[r] ?? 0)} ms`)
    }

    const p95Revocation = percentile(revocationTimes, 95)
    return [
      { suite, name: `${size} members: mesh formed (all cards everywhere)`, value: formedMs, unit: 'ms' },
      { suite, name: `${size} members: card propagation p50`, value: percentile(cardTimes, 50), unit: 'ms' },
      { suite, name: `${size} members: card propagation p95`, value: percentile(cardTimes, 95), unit: 'ms' },
      { suite, name: `${size} members: card arrivals missed in 60 s (of ${CARD_ROUNDS * (size - 1)})`, value: cardMisses, unit: 'members' },
      { suite, name: `${size} members: revocation arrivals missed in 60 s (of ${revocationTotal(size)})`, value: revocationMisses, unit: 'members' },
      {
        suite,
        name: `${size} members: revocation reaching all p95`,
        value: p95Revocation,
        unit: 'ms',
        ...(size >= 64 ? { target: `<= ${REVOCATION_TARGET_MS} ms`, met: p95Revocation <= REVOCATION_TARGET_MS } : {})
      },
      { suite, name: `${size} members: wire bytes per member per minute at rest`, value: restBytesPerMemberMinute, unit: 'B/min' },
      { suite, name: `${size} members: CPU at rest per member (share of one core)`, value: restCoresPerMember * 100, unit: '%' },
      { suite, name: `${size} members: connections per member (mean; min ${Math.min(...connections)})`, value: connections.reduce((a, b) => a + b, 0) / size, unit: 'conns' }
    ]
  } finally {
    await h.cleanup()
  }
}

export const scale: BenchSuite = {
  name: 'scale',
  run: async () => {
    const rows: BenchRow[] = []
    for (const size of SIZES) rows.push(...await measure(size))
    return rows
  }
}
