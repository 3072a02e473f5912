/**
 * The witness service: this node holds every member's latest audit
 * checkpoint and offers its own to every member, so a node holding its own
 * key still cannot roll back or rewrite its log without the members
 * noticing.
 *
 * As a witness it serves `/mycel/witness/1.0.0` (behind the membership
 * guard of the host, like every protocol: only admitted members reach the
 * handler): an offer is checked by the store (signature, consistency proof
 * from the size held); an inconsistent one is refused, its evidence kept,
 * a `witness.inconsistent` entry written to this node's audit log and a
 * warning raised in `status`. As a subject it offers its latest checkpoint
 * to each member shortly after each batch of audit entries, when a member
 * is admitted, and every `intervalMs` to anyone that has not acknowledged
 * it yet.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import { frame, type FramedStream } from '../streams.ts'
import {
  decodeWitnessCall, decodeWitnessProof, encodeWitnessFrame, MAX_WITNESS_FRAME_BYTES, WITNESS_PROTOCOL, type WitnessOffer
} from '../../protocol/witness/messages.ts'
import type { AuditEntry, AuditEntryInput, SignedCheckpoint, Hash } from '../audit/index.ts'
import { heldBy, offerCheckpoint, type WitnessDial, type WitnessTraffic } from './client.ts'
import type { WitnessStore, WitnessWarning } from './store.ts'
import { WITNESS_AFTER_ADMIT_MS, WITNESS_AFTER_BATCH_MS, WITNESS_EXCHANGE_TIMEOUT_MS, WITNESS_INTERVAL_MS, WITNESS_STREAMS_PER_CONNECTION } from './constants.ts'

/** The parts of this node's audit log the witness uses. */
export interface WitnessAudit {
  latestCheckpoint: () => SignedCheckpoint | null
  consistencyProof: (oldSize: number, newSize: number) => Promise<Hash[]>
  append: (input: AuditEntryInput) => Promise<AuditEntry>
  /** Calls `listener` after each entry is written; returns the unsubscribe. */
  subscribe: (listener: (entry: AuditEntry) => void) => () => void
}

export interface WitnessComponents {
  logger: Logger
  host: {
    handle: (p: string, h: (s: Stream, c: Connection) => Promise<void>, o?: { maxInboundStreams?: number, maxOutboundStreams?: number }) => Promise<void>
    unhandle: (p: string) => Promise<void>
    dialProtocol: WitnessDial
  }
  /** This node's peer id. */
  self: string
  /** Peer ids of the admitted members now connected. */
  members: () => string[]
  /** Calls `fn(peerId)` when a member is admitted (`'admitted'`) or leaves (`'removed'`); returns the unsubscribe. */
  onMember: (fn: (event: 'admitted' | 'removed', peerId: string) => void) => () => void
  audit: WitnessAudit
  store: WitnessStore
}

export interface WitnessInit {
  /** Offer to members that have not acknowledged the latest checkpoint this often. @default 30_000 (WITNESS_INTERVAL_MS) */
  intervalMs?: number
  /** Offer this long after a batch of audit entries. @default 1_000 (WITNESS_AFTER_BATCH_MS) */
  afterBatchMs?: number
  /** @default 10_000 (WITNESS_EXCHANGE_TIMEOUT_MS) */
  exchangeTimeoutMs?: number
}

export function witnessService (init: WitnessInit = {}): (components: WitnessComponents) => WitnessService {
  return (components) => new WitnessService(components, init)
}

export class WitnessService {
  private readonly c: WitnessComponents
  private readonly intervalMs: number
  private readonly afterBatchMs: number
  private readonly timeoutMs: number
  /** Size each member last acknowledged (or refused) of ours; cleared when it leaves. */
  private readonly answered = new Map<string, number>()
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private interval: ReturnType<typeof setInterval> | null = null
  private batchTimer: ReturnType<typeof setTimeout> | null = null
  private unsubscribe: Array<() => void> = []
  private started = false
  /** Aborted by `stop`: exchanges under way end at once rather than at their deadline. */
  private stopping = new AbortController()
  private readonly dial: WitnessDial = async (peer, protocol, o) => await this.c.host.dialProtocol(peer, protocol, o)
  /** Frame bytes this node's witness exchanges sent and received, both roles. */
  readonly traffic: WitnessTraffic = { sent: 0, received: 0 }

  constructor (components: WitnessComponents, init: WitnessInit = {}) {
    this.c = components
    this.intervalMs = init.intervalMs ?? WITNESS_INTERVAL_MS
    this.afterBatchMs = init.afterBatchMs ?? WITNESS_AFTER_BATCH_MS
    this.timeoutMs = init.exchangeTimeoutMs ?? WITNESS_EXCHANGE_TIMEOUT_MS
  }

  async start (): Promise<void> {
    if (this.started) return
    this.stopping = new AbortController()
    await this.c.store.load()
    await this.c.host.handle(WITNESS_PROTOCOL, async (stream, connection) => { await this.onStream(stream, connection) }, {
      maxInboundStreams: WITNESS_STREAMS_PER_CONNECTION, maxOutboundStreams: WITNESS_STREAMS_PER_CONNECTION
    })
    this.started = true
    this.unsubscribe.push(this.c.audit.subscribe(() => { this.afterBatch() }))
    this.unsubscribe.push(this.c.onMember((event, peer) => {
      if (event === 'removed') { this.answered.delete(peer); return }
      this.later(WITNESS_AFTER_ADMIT_MS, () => { void this.offerTo(peer) })
    }))
    if (this.intervalMs > 0) {
      this.interval = setInterval(() => { void this.offerAll() }, this.intervalMs)
      this.interval.unref?.()
    }
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.stopping.abort(new Error('The node is stopping'))
    for (const u of this.unsubscribe.splice(0)) u()
    if (this.interval != null) clearInterval(this.interval)
    if (this.batchTimer != null) clearTimeout(this.batchTimer)
    this.interval = this.batchTimer = null
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await this.c.host.unhandle(WITNESS_PROTOCOL).catch(() => {})
    await Promise.allSettled([...this.inFlight.values()])
  }

  /** Members caught signing two histories (for `status`). */
  warnings (): WitnessWarning[] {
    return this.c.store.warnings()
  }

  /** How many members this node holds a checkpoint of. */
  get witnessed (): number { return this.c.store.witnessed }

  /** Offers the latest checkpoint to every member that has not answered it yet. */
  async offerAll (): Promise<void> {
    await Promise.allSettled(this.c.members().map(async peer => { await this.offerTo(peer) }))
  }

  /** Asks `peer` which checkpoint of this node it holds (signed bytes, or null). */
  async heldBy (peer: string, signal?: AbortSignal): Promise<Uint8Array | null> {
    return await heldBy(this.dial, peer, { signal: signal ?? AbortSignal.timeout(this.timeoutMs), traffic: this.traffic })
  }

  /** Offers to one member; one exchange per member at a time, repeated if the log moved on meanwhile. */
  async offerTo (peer: string): Promise<void> {
    if (!this.started) return
    const running = this.inFlight.get(peer)
    if (running != null) { await running; return await this.offerTo(peer) }
    const latest = this.c.audit.latestCheckpoint()
    if (latest == null || this.answered.get(peer) === latest.checkpoint.size) return
    const size = latest.checkpoint.size
    const exchange = (async () => {
      try {
        const held = await offerCheckpoint(this.dial, peer, latest.bytes, async (from) => await this.c.audit.consistencyProof(from, size), {
          signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]), traffic: this.traffic
        })
        this.answered.set(peer, size)
        this.c.logger('witness %s holds %d entries of ours', peer, held)
      } catch (err: any) {
        // a refusal is an answer: do not offer the same checkpoint again; a broken exchange is retried later
        if (err?.name === 'WitnessRefusedError') {
          this.answered.set(peer, size)
          this.c.logger.error('witness %s refused our checkpoint of %d entries: %s', peer, size, err.code)
        } else {
          this.c.logger('offer to %s failed: %s', peer, err?.message)
        }
      }
    })()
    this.inFlight.set(peer, exchange)
    try { await exchange } finally { this.inFlight.delete(peer) }
  }

  private afterBatch (): void {
    if (!this.started || this.batchTimer != null) return
    this.batchTimer = setTimeout(() => { this.batchTimer = null; void this.offerAll() }, this.afterBatchMs)
    this.batchTimer.unref?.()
  }

  private later (ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); if (this.started) fn() }, ms)
    t.unref?.()
    this.timers.add(t)
  }

  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const framed = frame(stream, { maxFrameBytes: MAX_WITNESS_FRAME_BYTES })
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      const call = await framed.read(b => { this.traffic.received += b.byteLength; return decodeWitnessCall(b) }, { signal })
      if (call.t === 'get') {
        const held = await this.c.store.heldOf(peer)
        await this.send(framed, encodeWitnessFrame({ v: 1, t: 'held', cp: held?.bytes ?? null }), signal)
      } else {
        await this.onOffer(call, peer, framed, signal)
      }
      await framed.close({ signal })
    } catch (err) {
      this.c.logger('witness stream from %s ended: %s', peer, (err as Error).message)
      framed.reset(err as Error)
    }
  }

  private async onOffer (offer: WitnessOffer, peer: string, framed: FramedStream, signal: AbortSignal): Promise<void> {
    const outcome = await this.c.store.offer(peer, offer.cp, async (from) => {
      await this.send(framed, encodeWitnessFrame({ v: 1, t: 'prove', from }), signal)
      return (await framed.read(b => { this.traffic.received += b.byteLength; return decodeWitnessProof(b) }, { signal })).path
    })
    if (outcome.accepted) {
      await this.send(framed, encodeWitnessFrame({ v: 1, t: 'ack', size: outcome.size }), signal)
      return
    }
    await this.send(framed, encodeWitnessFrame({ v: 1, t: 'refused', code: outcome.code }), signal)
    if (outcome.warning == null) {
      this.c.logger('refused a checkpoint from %s (%s): %s', peer, outcome.code, outcome.reason)
      return
    }
    this.c.logger.error('%s', outcome.reason)
    if (outcome.recorded) {
      const { warning } = outcome
      await this.c.audit.append({
        type: 'witness.inconsistent',
        actor: this.c.self,
        peer,
        data: { kind: warning.kind, heldSize: warning.held.size, heldRoot: warning.held.rootHash, offeredSize: warning.offered.size, offeredRoot: warning.offered.rootHash }
      }).catch(err => { this.c.logger.error('could not audit the inconsistency of %s: %e', peer, err) })
    }
  }

  private async send (framed: FramedStream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    this.traffic.sent += bytes.byteLength
    await framed.write(bytes, { signal })
  }
}
