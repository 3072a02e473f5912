/**
 * Load beats: this node signs its running, queued and slot counts (and the
 * tokens/s it measured per model) into a small record and gossips it on the
 * org's load topic about once a second while the load changes, and every
 * `LOAD_BEAT_IDLE_MS` when it does not. Received beats are verified
 * (verify.ts) and handed to the router; anything else is counted and
 * dropped. The card's load stays the fallback.
 *
 * The service also handles `LOAD_PROTOCOL`: a newly connected member pulls
 * the latest beat as it is admitted instead of waiting for the next one,
 * and a peer that identify says handles it reads `load` on task responses.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../logger.ts'
import type { MycelHost } from '../net/host.ts'
import { frame } from '../streams.ts'
import { encodeLoadBeat, LOAD_PROTOCOL, loadTopic, MAX_LOAD_BEAT_MODELS, MAX_LOAD_BEAT_RECORD_BYTES, type LoadBeat, type ModelRate, type TaskLoad } from '../../protocol/load/index.ts'
import { LOAD_BEAT_IDLE_MS, LOAD_BEAT_INTERVAL_MS, LOAD_BEAT_MAX_PEERS, LOAD_PULL_TIMEOUT_MS } from './constants.ts'
import { LoadBeatRejectedError, type BeatRejection } from './errors.ts'
import { verifyBeat, type BeatVerifier } from './verify.ts'

export interface LoadBeatComponents {
  logger: Logger
  host: Pick<MycelHost, 'peerId' | 'services' | 'handle' | 'unhandle' | 'dialProtocol' | 'addEventListener' | 'removeEventListener'>
  orgId: string
  /** Signs a beat payload into a signed record (the node key). */
  sign: (payload: Uint8Array) => Uint8Array
  verifier: Omit<BeatVerifier, 'knownSeq' | 'orgId'>
  /** This node's load now. */
  load: () => TaskLoad
  /** Tokens/s this node measured on its models. @default none */
  rates?: () => ModelRate[]
  /** A verified beat of another member. */
  onBeat: (beat: LoadBeat) => void
}

export interface LoadBeatInit {
  /** @default LOAD_BEAT_INTERVAL_MS */
  intervalMs?: number
  /** @default LOAD_BEAT_IDLE_MS */
  idleMs?: number
}

export class LoadBeatService {
  private readonly c: LoadBeatComponents
  private readonly intervalMs: number
  private readonly idleMs: number
  private readonly verifier: BeatVerifier
  /** Newest beat sequence per member. */
  private readonly seqs = new Map<string, number>()
  /** Peers that read `load` on task responses (identify listed `LOAD_PROTOCOL`). */
  private readonly readers = new Set<string>()
  private readonly rejected: Record<BeatRejection, number> = { malformed: 0, 'bad-signature': 0, 'signer-mismatch': 0, 'wrong-org': 0, 'not-member': 0, stale: 0 }
  private seq = 0
  private last?: { key: string, at: number, bytes: Uint8Array }
  private timer?: ReturnType<typeof setInterval>

  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array }>): void => {
    if (evt.detail.topic === loadTopic(this.c.orgId)) this.accept(evt.detail.data)
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: { toString: () => string }, protocols: string[] }>): void => {
    const peer = evt.detail.peerId.toString()
    if (!evt.detail.protocols.includes(LOAD_PROTOCOL)) { this.readers.delete(peer); return }
    if (this.readers.size < LOAD_BEAT_MAX_PEERS) this.readers.add(peer)
  }

  constructor (components: LoadBeatComponents, init: LoadBeatInit = {}) {
    this.c = components
    this.intervalMs = init.intervalMs ?? LOAD_BEAT_INTERVAL_MS
    this.idleMs = init.idleMs ?? LOAD_BEAT_IDLE_MS
    this.verifier = { ...components.verifier, orgId: components.orgId, knownSeq: (id) => this.seqs.get(id) }
  }

  async start (): Promise<void> {
    const { host } = this.c
    // a restarted node must outrank the beats it sent before: seed seq from the clock
    this.seq = Date.now()
    host.services.pubsub.subscribe(loadTopic(this.c.orgId))
    host.services.pubsub.addEventListener('message', this.onMessage as any)
    host.addEventListener('peer:identify', this.onIdentify as any)
    await host.handle(LOAD_PROTOCOL, async (stream, connection) => { await this.onPull(stream, connection) })
    this.timer = setInterval(() => { void this.beat().catch(err => { this.c.logger('load beat failed: %s', (err as Error).message) }) }, this.intervalMs)
  }

  async stop (): Promise<void> {
    if (this.timer != null) clearInterval(this.timer)
    this.c.host.services.pubsub.removeEventListener('message', this.onMessage as any)
    this.c.host.removeEventListener('peer:identify', this.onIdentify as any)
    await this.c.host.unhandle(LOAD_PROTOCOL).catch(() => {})
  }

  /** Whether a delegator reads `load` on task responses. */
  readsLoad (peer: string): boolean {
    return this.readers.has(peer)
  }

  rejectedCounts (): Record<BeatRejection, number> {
    return { ...this.rejected }
  }

  /** Signs and gossips the load when it changed since the last beat, or the idle interval passed; returns whether it sent. */
  async beat (force = false): Promise<boolean> {
    const load = this.c.load()
    const models = (this.c.rates?.() ?? []).slice(0, MAX_LOAD_BEAT_MODELS)
    const key = `${load.running}/${load.queued}/${load.slots}`
    const now = Date.now()
    if (!force && this.last != null && this.last.key === key && now - this.last.at < this.idleMs) return false
    this.seq = Math.max(this.seq + 1, now)
    const beat: LoadBeat = { v: 1, peerId: this.c.host.peerId.toString(), org: this.c.orgId, seq: this.seq, at: now, load, ...(models.length > 0 ? { models } : {}) }
    const bytes = this.c.sign(encodeLoadBeat(beat))
    this.last = { key, at: now, bytes }
    await this.c.host.services.pubsub.publish(loadTopic(this.c.orgId), bytes).catch(err => { this.c.logger('load gossip failed: %s', err.message) })
    return true
  }

  /** Verifies a signed beat from anywhere (gossip, a pull, tests) and passes it on when it is newer; else counts why not. */
  accept (bytes: Uint8Array): LoadBeat | undefined {
    try {
      const beat = verifyBeat(bytes, this.verifier)
      if (beat.peerId === this.c.host.peerId.toString()) return undefined
      this.seqs.delete(beat.peerId)
      this.seqs.set(beat.peerId, beat.seq)
      while (this.seqs.size > LOAD_BEAT_MAX_PEERS) this.seqs.delete(this.seqs.keys().next().value as string)
      this.c.onBeat(beat)
      return beat
    } catch (err) {
      if (!(err instanceof LoadBeatRejectedError)) throw err
      // our own beat echoing back is no attack
      if (this.last != null && Buffer.compare(this.last.bytes, bytes) === 0) return undefined
      this.rejected[err.reason]++
      this.c.logger('rejected load beat: %s', err.reason)
      return undefined
    }
  }

  /** Fetches a member's latest beat (call once it is admitted: the guard refuses others); never throws. */
  async pull (peer: string): Promise<void> {
    await this.pullOnce(peer).catch(err => { this.c.logger('load pull from %s failed: %s', peer, (err as Error).message) })
  }

  private async pullOnce (peer: string): Promise<void> {
    const signal = AbortSignal.timeout(LOAD_PULL_TIMEOUT_MS)
    const stream = await this.c.host.dialProtocol(peerIdFromString(peer), LOAD_PROTOCOL, { signal })
    const framed = frame(stream, { maxFrameBytes: MAX_LOAD_BEAT_RECORD_BYTES })
    const bytes = await framed.readOrEnd(b => b, { signal })
    await framed.close().catch(() => {})
    if (bytes != null) this.accept(bytes)
  }

  private async onPull (stream: Stream, _connection: Connection): Promise<void> {
    const framed = frame(stream, { maxFrameBytes: MAX_LOAD_BEAT_RECORD_BYTES })
    try {
      if (this.last == null) await this.beat(true)
      if (this.last != null) await framed.write(this.last.bytes, { signal: AbortSignal.timeout(LOAD_PULL_TIMEOUT_MS) })
      await framed.close()
    } catch (err) {
      framed.reset(err as Error)
    }
  }
}

/** @example const beats = loadBeatService()(components); await beats.start() */
export function loadBeatService (init: LoadBeatInit = {}): (components: LoadBeatComponents) => LoadBeatService {
  return (components) => new LoadBeatService(components, init)
}
