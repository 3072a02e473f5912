/**
 * What the scale bench's coordinator asks of its member processes
 * (scale-worker.ts) over the fork IPC channel, and the client it asks with.
 * All processes run on one machine, so the times they report
 * (`performance.timeOrigin + performance.now()`, ms since the epoch) compare
 * across processes.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { LOOPBACK_ALLOW } from '../../node/net/host.ts'

/**
 * `MYCEL_BENCH_SCALE_HOST_LIMIT=1` takes loopback off libp2p's allow list in
 * every bench process, so members on this machine meet the per-host inbound
 * limit (5 new connections a second, 10 pending) as members behind one
 * address would. Call before any node starts.
 */
export function applyHostLimit (): boolean {
  if (process.env.MYCEL_BENCH_SCALE_HOST_LIMIT !== '1') return false
  LOOPBACK_ALLOW.splice(0)
  return true
}

/** Wall-clock time in ms, comparable across the bench's processes. */
export const now = (): number => performance.timeOrigin + performance.now()

/** Arrival times (ms since the epoch) at a worker's members; members not reached in time are missed. */
export interface Arrivals { times: number[], missed: string[] }

export interface Requests {
  /** Starts these joined homes as members (8 at a time); answers their peer ids. */
  start: { args: { homes: string[] }, result: { peerIds: string[] } }
  /** Waits until every member here holds `size` cards: when the last one did, or how many do at the deadline. */
  formed: { args: { size: number, timeoutMs: number }, result: { at?: number, whole: number } }
  /** Watches for a card of `peerId` with seq >= `seq` at every other member here; answers once all have it or at the deadline. */
  card: { args: { peerId: string, seq: number, timeoutMs: number }, result: Arrivals }
  /** Publishes the card of `peerId` (a member here) anew. */
  publish: { args: { peerId: string }, result: { seq: number } }
  /** Watches for a revocation list with seq >= `seq` at every member here not in `skip`. */
  revocation: { args: { seq: number, skip: string[], timeoutMs: number }, result: Arrivals }
  /** Starts counting the rest window (wire bytes, CPU; a profile with MYCEL_BENCH_SCALE_PROFILE). */
  restStart: { args: { name: string }, result: Record<string, never> }
  /** Ends it: bytes sent plus received on the wire, CPU ms of this process. */
  restEnd: { args: Record<string, never>, result: { bytes: number, cpuMs: number } }
  /** Open connections of each member here. */
  connections: { args: Record<string, never>, result: { counts: number[] } }
  /** Stops every member here. */
  stop: { args: Record<string, never>, result: Record<string, never> }
}

export type Op = keyof Requests
export interface RequestMessage { id: number, op: Op, args: unknown }
export interface ReplyMessage { id: number, result?: unknown, error?: string }

/** A forked member process and the requests it answers. */
export class ScaleWorker {
  private readonly child: ChildProcess
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  private nextId = 0
  private exited = false
  readonly index: number

  constructor (index: number) {
    this.index = index
    const path = fileURLToPath(new URL('./scale-worker.ts', import.meta.url))
    this.child = fork(path, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, MYCEL_BENCH_SCALE_WORKER: String(index) } })
    this.child.on('message', (msg: ReplyMessage) => {
      const p = this.pending.get(msg.id)
      if (p == null) return
      this.pending.delete(msg.id)
      if (msg.error != null) p.reject(new Error(`worker ${index}: ${msg.error}`))
      else p.resolve(msg.result)
    })
    this.child.on('exit', (code) => {
      this.exited = true
      for (const p of this.pending.values()) p.reject(new Error(`worker ${index} exited (${code ?? 'signal'})`))
      this.pending.clear()
    })
  }

  async call<K extends Op> (op: K, args: Requests[K]['args']): Promise<Requests[K]['result']> {
    if (this.exited) throw new Error(`worker ${this.index} has exited`)
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.child.send({ id, op, args } satisfies RequestMessage)
    })
  }

  /** Stops its members and waits for the process to end; kills it when that takes too long. */
  async close (): Promise<void> {
    if (this.exited) return
    const ended = new Promise<void>(resolve => { this.child.once('exit', () => { resolve() }) })
    let wait: ReturnType<typeof setTimeout> | undefined
    await Promise.race([this.call('stop', {}).catch(() => {}), new Promise(resolve => { wait = setTimeout(resolve, 60_000) })])
    clearTimeout(wait)
    this.child.disconnect()
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, 10_000)
    await ended
    clearTimeout(timer)
  }
}
