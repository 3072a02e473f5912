/**
 * The mesh: how long a node takes to be useful, how fast a card change
 * reaches every member, how long a DHT provider lookup takes, and the raw
 * libp2p request/response baseline that delegated-task rows compare with.
 *
 * Every node but the DHT observer is a separate `mycel start` process on
 * loopback, found, joined and torn down with the test harness.
 * Reproduce with `npm run bench -- mesh`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair as generateLibp2pKey } from '@libp2p/crypto/keys'
import { createHost, type MycelHost } from '../../node/net/host.ts'
import { frame } from '../../node/streams.ts'
import { toHex } from '../../identity/bytes.ts'
import { pskToPnetKey } from '../../identity/psk.ts'
import { BENCH_ECHO_PROTOCOL } from '../../protocol/bench/ids.ts'
import { RAW_ECHO_PSK_ENV, serveBenchEcho } from './raw-echo.ts'
import { Harness, type MycelProcess } from '../../test/helpers/harness.ts'
import type { StartInit } from '../mesh/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const RAW_ECHO_SCRIPT = fileURLToPath(new URL('./raw-echo.ts', import.meta.url))
const START_RUNS = 5
const MESH_NODES = 16
const PROPAGATION_ROUNDS = 5
const DHT_LOOKUPS = 10
/** How often the bench asks nodes whether the new card arrived: the propagation figure's resolution. */
const POLL_MS = 25

export interface RawRequestResponseInit {
  /** Requests to time (after a warm-up). @default 2000 */
  requests?: number
  /** Bytes in each request and response. @default 64 */
  messageBytes?: number
  /** Requests in flight at once. @default 1 */
  concurrency?: number
  /** `stream`: a new stream per request (as a task is); `message`: request/response frames on one long-lived stream. @default 'stream' */
  mode?: 'stream' | 'message'
  /** The echo side in a process of its own (raw-echo.ts) rather than in this one. @default false */
  serverProcess?: boolean
}

export interface RawRequestResponseResult {
  /** Completed requests per second. */
  throughput: number
  /** Round-trip latency percentiles, milliseconds. */
  p50: number
  p99: number
  requests: number
}

/**
 * Two bare Mycel libp2p hosts (TCP, pre-shared key, Noise, yamux) on
 * loopback, one connection between them, an echo protocol with Mycel's
 * framing. Times request → echoed response.
 */
export async function rawRequestResponse (opts: RawRequestResponseInit = {}): Promise<RawRequestResponseResult> {
  const requests = opts.requests ?? 2000
  const concurrency = opts.concurrency ?? 1
  const mode = opts.mode ?? 'stream'
  const message = randomBytes(opts.messageBytes ?? 64)
  const psk = randomBytes(32)
  const swarmKey = pskToPnetKey(psk)
  const hosts: MycelHost[] = []
  let server: ChildProcess | undefined
  try {
    let address: string
    if (opts.serverProcess === true) {
      const started = await startEchoProcess(psk)
      server = started.child
      address = started.address
    } else {
      const host = await createHost({ privateKey: await generateLibp2pKey('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], orgId: 'bench', swarmKey })
      await host.start()
      hosts.push(host)
      await serveBenchEcho(host)
      address = host.getMultiaddrs()[0]?.toString() ?? ''
    }
    const client = await createHost({ privateKey: await generateLibp2pKey('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], orgId: 'bench', swarmKey })
    await client.start()
    hosts.push(client)
    const conn = await client.dial(multiaddr(address))

    const longLived = mode === 'message'
      ? await Promise.all(Array.from({ length: concurrency }, async () => frame(await conn.newStream(BENCH_ECHO_PROTOCOL), { maxFrameBytes: 64 * 1024 })))
      : []
    const once = async (worker: number): Promise<void> => {
      if (mode === 'message') {
        const framed = longLived[worker]!
        await framed.write(message)
        await framed.read(b => b)
        return
      }
      const framed = frame(await conn.newStream(BENCH_ECHO_PROTOCOL, { maxOutboundStreams: 1024 }), { maxFrameBytes: 64 * 1024 })
      await framed.write(message)
      await framed.read(b => b)
      await framed.close()
    }
    const run = async (n: number, latencies?: number[]): Promise<number> => {
      let next = 0
      const start = performance.now()
      await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
        while (next < n) {
          next++
          const t = performance.now()
          await once(worker)
          latencies?.push(performance.now() - t)
        }
      }))
      return performance.now() - start
    }
    await run(Math.min(200, requests))
    const latencies: number[] = []
    const elapsed = await run(requests, latencies)
    for (const f of longLived) await f.close()
    // a graceful close first: stopping a host under open streams resets them on the other side
    await conn.close().catch(() => {})
    return { throughput: requests / (elapsed / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), requests }
  } finally {
    await Promise.all(hosts.map(async h => { await h.stop() }))
    if (server != null) await stopEchoProcess(server)
  }
}

/** Spawns raw-echo.ts and reads the address it prints. */
async function startEchoProcess (psk: Uint8Array): Promise<{ child: ChildProcess, address: string }> {
  const child = spawn(process.execPath, [RAW_ECHO_SCRIPT], { env: { ...process.env, [RAW_ECHO_PSK_ENV]: toHex(psk) }, stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => { reject(new Error('the raw echo process printed no address in 30 s')) }, 30_000)
      child.once('exit', code => { clearTimeout(timer); reject(new Error(`the raw echo process exited (${code ?? 'signal'})`)) })
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString()
        const nl = out.indexOf('\n')
        if (nl >= 0) { clearTimeout(timer); resolve(out.slice(0, nl).trim()) }
      })
    })
    return { child, address }
  } catch (err) {
    await stopEchoProcess(child)
    throw err
  }
}

async function stopEchoProcess (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  child.stdin?.end()
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 5_000)
  await exited
  clearTimeout(timer)
}

function median (values: number[]): number {
  return percentile(values, 50)
}

/** Start → listening (api.json) → connected to its bootstrap peer and its card held by it; `prepare` readies each home first, `launch` says how each starts. */
export async function startToReady (h: Harness, founder: MycelProcess, prepare?: (home: string) => Promise<void>, runs = START_RUNS, launch: StartInit = {}): Promise<{ listening: number[], ready: number[] }> {
  const invite = await h.invite(founder, { uses: runs, inProcess: true })
  const homes: string[] = []
  for (let i = 0; i < runs; i++) homes.push(await h.join(invite, `start-${i}`, { inProcess: true }))
  for (const home of homes) await prepare?.(home)
  const listening: number[] = []
  const ready: number[] = []
  for (const home of homes) {
    const t0 = performance.now()
    const node = h.launch(home, launch)
    await node.ready(60_000, 20)
    listening.push(performance.now() - t0)
    await waitFor(async () => {
      const [peers, caps] = await Promise.all([node.peerIds(), founder.capIds()])
      return peers.includes(founder.peerId) && caps.includes(node.peerId)
    }, { intervalMs: 20, what: 'the new node to be ready' })
    ready.push(performance.now() - t0)
    await node.stop()
  }
  return { listening, ready }
}

/** Republishes one node's card and times until every node holds it; returns one time per round. */
async function cardPropagation (nodes: MycelProcess[]): Promise<number[]> {
  const times: number[] = []
  for (let round = 0; round < PROPAGATION_ROUNDS; round++) {
    const origin = nodes[(round * 7 + 1) % nodes.length]!
    const others = nodes.filter(n => n !== origin)
    const t0 = performance.now()
    const { seq } = await origin.post<{ seq: number }>('/api/cards/republish')
    const pending = new Set(others)
    while (pending.size > 0) {
      await Promise.all([...pending].map(async n => {
        const card = (await n.caps()).find(c => c.peerId === origin.peerId)
        if (card != null && card.seq >= seq) pending.delete(n)
      }))
      if (pending.size > 0) await sleep(POLL_MS)
      if (performance.now() - t0 > 60_000) throw new Error(`card of ${origin.peerId} did not reach ${pending.size} node(s) within 60 s`)
    }
    times.push(performance.now() - t0)
    await sleep(500)
  }
  return times
}

export const mesh: BenchSuite = {
  name: 'mesh',
  async run (): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const row = (name: string, value: number, unit: string, extra: Partial<BenchRow> = {}): void => {
      rows.push({ suite: 'mesh', name, value, unit, ...extra })
    }

    // the baseline first, on a quiet machine
    const seq = await rawRequestResponse({ requests: 2000 })
    const par = await rawRequestResponse({ requests: 4000, concurrency: 16 })
    const msg = await rawRequestResponse({ requests: 4000, mode: 'message' })
    row('raw req/resp 64 B, stream per request: throughput', seq.throughput, 'req/s')
    row('raw req/resp 64 B, stream per request: p50', seq.p50, 'ms')
    row('raw req/resp 64 B, stream per request: p99', seq.p99, 'ms')
    row('raw req/resp 64 B, 16 in flight: throughput', par.throughput, 'req/s', { baseline: { name: '1 in flight', value: seq.throughput } })
    row('raw req/resp 64 B, one stream: p50', msg.p50, 'ms', { baseline: { name: 'stream per request', value: seq.p50 } })

    const h = new Harness()
    try {
      const founder = await h.start(await h.found('bench', 'founder', { inProcess: true }))
      const { listening, ready } = await startToReady(h, founder)
      row(`start to ready, median of ${START_RUNS}`, median(ready), 'ms', { baseline: { name: 'start to listening', value: median(listening) } })

      const invite = await h.invite(founder, { uses: MESH_NODES, inProcess: true })
      const nodes: MycelProcess[] = [founder]
      for (let i = 1; i < MESH_NODES; i++) {
        nodes.push(await h.start(await h.join(invite, `n${i}`, { inProcess: true })))
      }
      const ids = nodes.map(n => n.peerId)
      await waitFor(async () => {
        const held = await Promise.all(nodes.map(async n => await n.capIds()))
        return held.every(list => ids.every(id => list.includes(id)))
      }, { timeoutMs: 120_000, intervalMs: 500, what: `all ${MESH_NODES} nodes to hold every card` })

      const times = await cardPropagation(nodes)
      row(`card propagation to all ${MESH_NODES} processes, median of ${PROPAGATION_ROUNDS}`, median(times), 'ms', { target: `polled every ${POLL_MS} ms` })
      row(`card propagation to all ${MESH_NODES} processes, slowest`, Math.max(...times), 'ms')

      // DHT lookups from one more member, in this process
      const observer = await h.node(await h.join(invite, 'observer', { inProcess: true }))
      const kind = (await founder.caps()).find(c => c.self)?.taskKinds as string[] | undefined
      const lookupKind = kind?.[0] ?? 'echo'
      // a lookup with an empty routing table answers from the local store at once: wait for DHT peers
      const routingTableSize = (): number => (observer.services.host.services.dht as { routingTable?: { size: number } } | undefined)?.routingTable?.size ?? 0
      await waitFor(() => routingTableSize() >= MESH_NODES / 2, { timeoutMs: 60_000, what: 'the observer to have DHT peers' })
      const lookups: number[] = []
      let found = 0
      for (let i = 0; i < DHT_LOOKUPS; i++) {
        const t0 = performance.now()
        const providers = await observer.services.cards.findProviders(lookupKind, { signal: AbortSignal.timeout(30_000) })
        lookups.push(performance.now() - t0)
        found = Math.max(found, providers.length)
      }
      row(`DHT provider lookup "${lookupKind}", median of ${DHT_LOOKUPS} (${found} of ${MESH_NODES + 1} members found)`, median(lookups), 'ms', { baseline: { name: 'raw req/resp p50', value: seq.p50 } })
    } finally {
      await h.cleanup()
    }
    return rows
  }
}
