/**
 * The mesh as it grows: 16 and 64 members by default, the size issue 16
 * names next to a small one, so the growth shows (`MYCEL_BENCH_SCALE_SIZES`
 * picks others). Every member is a whole Mycel node (the real membership
 * gate, card service, revocation store, gossipsub, DHT, audit, witness,
 * API) without inference; they are found, invited and joined with the real
 * CLI commands, then started 8 at a time. The admin runs in the bench
 * process, the others in member processes of up to 16 each
 * (`MYCEL_BENCH_SCALE_PROCS` sets how many; scale-worker.ts), coordinated
 * over IPC: all on this machine, so their clocks agree.
 *
 * Rows, at each size:
 * - formation: from starting every node to every node holding every
 *   member's verified card;
 * - card propagation: once the formed mesh settled (no member's connections
 *   changed for 10 s), one member republishes its card, the time until each
 *   other member holds the new sequence number (p50, p95 over all arrivals
 *   of 5 rounds, each from a member in another process);
 * - revocation reaching all: the admin revokes a member, the time until
 *   every other member's revocation store has the new list (p95 of 3
 *   rounds; target at 64: <= 2 s);
 * - bytes on the wire per member per minute at rest (gossipsub, pings, DHT
 *   upkeep, card refresh; from when no member's connections changed for
 *   10 s), counted after the private-network cipher
 *   (`net/pnet.ts wireBytes`) in every process, the CPU that upkeep costs
 *   per member (all processes), and connections per member;
 * - arrivals missed: members a card or revocation did not reach in 60 s.
 *
 * All members share 127.0.0.1, which is on libp2p's allow list (no per-host
 * inbound limit between members on one machine: `node/net/host.ts`);
 * `MYCEL_BENCH_SCALE_HOST_LIMIT=1` takes it off, so they meet the limit as
 * members behind one address would.
 *
 * Reproduce with `npm run bench -- scale`. A size whose mesh does not form
 * in 5 minutes gives a row saying how far it got.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Harness } from '../../test/helpers/harness.ts'
import { wireBytes } from '../../node/net/pnet.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'
import { applyHostLimit, now, ScaleWorker, type Arrivals } from './scale-ipc.ts'
import { startProfile } from './scale-profile.ts'

/** Sizes run, smallest first. */
const SIZES = (process.env.MYCEL_BENCH_SCALE_SIZES ?? '16,64').split(',').map(Number)
/** Members per member process when MYCEL_BENCH_SCALE_PROCS does not say how many processes. */
const PER_PROCESS = 16
const CARD_ROUNDS = 5
const REVOCATION_ROUNDS = 3
const REST_MS = 30_000
const ARRIVAL_TIMEOUT_MS = 60_000
/** Joins run this many at a time. */
const BATCH = 8
const REVOCATION_TARGET_MS = 2_000
const FORMATION_TIMEOUT_MS = 300_000
/** The rest window starts once no member's connection count moved for this long... */
const SETTLE_MS = 10_000
/** ...or after this, whichever comes first. */
const SETTLE_TIMEOUT_MS = 120_000

const progress = (line: string): void => { process.stderr.write(`bench: scale ${line}\n`) }

/** Members that must receive the revocation lists, over all rounds. */
const revocationTotal = (size: number): number => Array.from({ length: REVOCATION_ROUNDS }, (_, r) => size - 2 - r).reduce((a, b) => a + b, 0)

function processesFor (size: number): number {
  const asked = Number(process.env.MYCEL_BENCH_SCALE_PROCS ?? Number.NaN)
  const wanted = Number.isInteger(asked) && asked > 0 ? asked : Math.ceil((size - 1) / PER_PROCESS)
  return Math.max(1, Math.min(wanted, size - 1))
}

/** Connections of every member, admin first. */
async function connectionCounts (admin: { services: { host: { getConnections: () => unknown[] } } }, workers: ScaleWorker[]): Promise<number[]> {
  return [admin.services.host.getConnections().length, ...(await Promise.all(workers.map(async w => (await w.call('connections', {})).counts))).flat()]
}

/** Waits until no member's connection count changed for SETTLE_MS; false when that did not happen within SETTLE_TIMEOUT_MS. */
async function settle (admin: Parameters<typeof connectionCounts>[0], workers: ScaleWorker[]): Promise<boolean> {
  const deadline = now() + SETTLE_TIMEOUT_MS
  let last = (await connectionCounts(admin, workers)).join()
  let since = now()
  while (now() - since < SETTLE_MS) {
    if (now() > deadline) return false
    await sleep(1_000)
    const counts = (await connectionCounts(admin, workers)).join()
    if (counts !== last) { last = counts; since = now() }
  }
  return true
}

/** The union of every worker's arrivals, as times since `t0`. */
async function gather (workers: ScaleWorker[], ask: (w: ScaleWorker) => Promise<Arrivals>, t0: number): Promise<{ times: number[], missed: number }> {
  const all = await Promise.all(workers.map(ask))
  const missed = all.flatMap(a => a.missed)
  if (missed.length > 0) progress(`${missed.length} not reached in ${ARRIVAL_TIMEOUT_MS} ms: ${missed.join(', ')}`)
  return { times: all.flatMap(a => a.times.map(t => t - t0)), missed: missed.length }
}

async function measure (size: number): Promise<BenchRow[]> {
  const h = new Harness()
  const suite = 'scale'
  const procs = processesFor(size)
  const hostLimit = applyHostLimit()
  const workers = Array.from({ length: procs }, (_, i) => new ScaleWorker(i))
  try {
    const founderHome = await h.found('acme', 'm0', { inProcess: true })
    const admin = await h.node(founderHome, { runtime: false })
    const invite = await h.invite(founderHome, { uses: size - 1, ttl: '1h', inProcess: true })
    const homes: string[] = []
    for (let i = 1; i < size; i += BATCH) homes.push(...await Promise.all(Array.from({ length: Math.min(BATCH, size - i) }, async (_, j) => await h.join(invite, `m${i + j}`, { inProcess: true }))))
    progress(`${size}: ${size - 1} joined; members in ${procs} process${procs === 1 ? '' : 'es'} besides the admin's`)

    const t0 = now()
    // one process after the other, 8 members at a time, as in one process
    const started: Array<{ peerIds: string[] }> = []
    for (const [k, w] of workers.entries()) started.push(await w.call('start', { homes: homes.filter((_, i) => i % procs === k) }))
    // member i of the bench sits in worker i % procs
    const where = new Map(started.flatMap((s, k) => s.peerIds.map(id => [id, k] as const)))
    const peerIds = homes.map((_, i) => started[i % procs]?.peerIds[Math.floor(i / procs)] as string)
    const formed = await Promise.all([
      ...workers.map(async w => await w.call('formed', { size, timeoutMs: FORMATION_TIMEOUT_MS })),
      (async () => {
        const deadline = now() + FORMATION_TIMEOUT_MS
        while (admin.services.cards.cards().length < size && now() < deadline) await sleep(20)
        return admin.services.cards.cards().length >= size ? { at: now(), whole: 1 } : { whole: 0 }
      })()
    ])
    if (formed.some(f => f.at == null)) {
      // a mesh that never formed is a result too: say how far it got, and measure nothing on top of it
      const whole = formed.reduce((a, f) => a + f.whole, 0)
      progress(`${size}: not formed after ${FORMATION_TIMEOUT_MS} ms (${whole} of ${size} hold every card)`)
      return [
        { suite, name: `${size} members: mesh formed (all cards everywhere)`, value: Number.NaN, unit: 'ms', target: `within ${FORMATION_TIMEOUT_MS} ms`, met: false },
        { suite, name: `${size} members: members holding every card after ${FORMATION_TIMEOUT_MS / 1000} s`, value: whole, unit: 'members' }
      ]
    }
    const formedMs = Math.max(...formed.map(f => f.at ?? 0)) - t0
    progress(`${size}: formed in ${Math.round(formedMs)} ms`)
    // a mesh just formed is still opening connections and syncing over them: card propagation is measured
    // in the mesh as it then runs, not in formation's tail (that is in the formation row)
    const settledFirst = await settle(admin, workers)
    progress(`${size}: ${settledFirst ? 'settled' : `not settled after ${SETTLE_TIMEOUT_MS} ms`} before the card rounds`)

    const cardTimes: number[] = []
    let cardMisses = 0
    for (let r = 0; r < CARD_ROUNDS; r++) {
      const source = peerIds[(r * (procs + 1)) % peerIds.length] as string
      // watch first (the new card's seq is at least the clock now), then publish
      const seq = Date.now()
      const start = now()
      const watching = gather(workers, async w => await w.call('card', { peerId: source, seq, timeoutMs: ARRIVAL_TIMEOUT_MS }), start)
      const adminSaw = (async () => {
        while ((admin.services.cards.card(source)?.seq ?? 0) < seq && now() - start < ARRIVAL_TIMEOUT_MS) await sleep(20)
        return (admin.services.cards.card(source)?.seq ?? 0) >= seq ? [now() - start] : []
      })()
      await workers[where.get(source) ?? 0]?.call('publish', { peerId: source })
      const round = await watching
      const atAdmin = await adminSaw
      cardTimes.push(...round.times, ...atAdmin)
      cardMisses += round.missed + (atAdmin.length === 0 ? 1 : 0)
    }
    progress(`${size}: card rounds done`)

    // at rest: nothing asked of the mesh, only its upkeep; a large mesh on a busy machine is still opening
    // connections (and syncing cards over them) after it formed, which is not upkeep: wait until no member's
    // count of connections moved for SETTLE_MS, up to SETTLE_TIMEOUT_MS
    const settled = await settle(admin, workers)
    progress(`${size}: ${settled ? 'settled' : `not settled after ${SETTLE_TIMEOUT_MS} ms`}`)
    const bytesBefore = wireBytes.sent + wireBytes.received
    const cpuBefore = process.cpuUsage()
    const restStart = now()
    const stopProfile = await startProfile(`scale-${size}-admin`)
    await Promise.all(workers.map(async (w, k) => await w.call('restStart', { name: `scale-${size}-w${k}` })))
    await sleep(REST_MS)
    const ends = await Promise.all(workers.map(async w => await w.call('restEnd', {})))
    const cpu = process.cpuUsage(cpuBefore)
    const restMs = now() - restStart
    await stopProfile?.()
    const cpuMs = (cpu.user + cpu.system) / 1000 + ends.reduce((a, e) => a + e.cpuMs, 0)
    const restCoresPerMember = cpuMs / restMs / size
    // every byte is counted twice on one machine, sent by one member and received by another
    const restBytes = wireBytes.sent + wireBytes.received - bytesBefore + ends.reduce((a, e) => a + e.bytes, 0)
    const restBytesPerMemberMinute = restBytes / 2 / size * (60_000 / restMs)
    const connections = await connectionCounts(admin, workers)
    progress(`${size}: rest measured`)

    const revocationTimes: number[] = []
    let revocationMisses = 0
    const victims: string[] = []
    for (let r = 0; r < REVOCATION_ROUNDS; r++) {
      const victim = peerIds[peerIds.length - 1 - r] as string
      victims.push(victim)
      const seq = admin.services.revocations.seq() + 1
      const start = now()
      const watching = gather(workers, async w => await w.call('revocation', { seq, skip: victims, timeoutMs: ARRIVAL_TIMEOUT_MS }), start)
      await admin.revoke(victim)
      const round = await watching
      // a round that missed someone counts as taking the whole wait
      revocationTimes.push(round.missed > 0 ? ARRIVAL_TIMEOUT_MS : Math.max(...round.times))
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
      { suite, name: `${size} members: connections per member (mean; min ${Math.min(...connections)})`, value: connections.reduce((a, b) => a + b, 0) / size, unit: 'conns' },
      { suite, name: `${size} members: member processes besides the admin's (per-host inbound limit ${hostLimit ? 'on' : 'off: loopback allowed'})`, value: procs, unit: 'procs' }
    ]
  } finally {
    await Promise.all(workers.map(async w => { await w.close() }))
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
