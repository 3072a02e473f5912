/**
 * Admission of a delegated request, cheapest checks first so a forger pays
 * the least: the signature over the exact request bytes (before the payload
 * means anything), signer = connection peer, org, audience, expiry, and the
 * replay guard. Refusals are audited, but at most `maxAuditedRefusals` per peer per
 * interval: past that a peer's refusals are only counted (one audited count
 * per interval), and its further submits are turned away unread, so garbage
 * costs neither a signature check nor a database write.
 *
 * @example
 * const checked = await admission.check(submit, peer, pending)
 * if (typeof checked === 'string') await admission.refused(peer, checked)
 */
import type { Logger } from '../../logger.ts'
import type { WireErrorCode } from '../../../protocol/codes.ts'
import { decodeTaskRequest, MAX_TASK_FRAME_BYTES, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, type Submit, type TaskRequest } from '../../../protocol/task/messages.ts'
import { openSignedRecord } from '../../../identity/signed-record.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import type { AuditLog } from '../../audit/log.ts'
import type { ReplayStore } from './replay-store.ts'
import { MAX_REQUEST_LIFETIME_MS, REFUSAL_INTERVAL_MS, REFUSALS_PER_PEER_MAX, REQUEST_CLOCK_SKEW_MS } from '../constants.ts'

export interface AdmissionComponents {
  logger: Logger
  self: () => string
  orgId: string
  audit: AuditLog
  /** Message ids already seen, persisted until they expire so a replay is refused across restarts. */
  seen: ReplayStore
}

export interface AdmissionInit {
  /** Refusals of one peer audited one by one per interval. @default REFUSALS_PER_PEER_MAX */
  maxAuditedRefusals?: number
  /** The interval refusals are counted in. @default REFUSAL_INTERVAL_MS */
  refusalIntervalMs?: number
}

interface Window { startedAt: number, audited: number, counted: Map<string, number> }

export class Admission {
  private readonly c: AdmissionComponents
  /** Every unexpired id: those on disk from earlier processes (read once), and those seen since. */
  private readonly seenMemory = new Map<string, number>()
  private loading: Promise<boolean> | null = null
  private readonly windows = new Map<string, Window>()
  private readonly maxAudited: number
  private readonly intervalMs: number
  private timer?: ReturnType<typeof setInterval>

  constructor (components: AdmissionComponents, init: AdmissionInit = {}) {
    this.c = components
    this.maxAudited = init.maxAuditedRefusals ?? REFUSALS_PER_PEER_MAX
    this.intervalMs = init.refusalIntervalMs ?? REFUSAL_INTERVAL_MS
  }

  start (): void {
    void this.loaded()
    if (this.timer != null) return
    this.timer = setInterval(() => { void this.flush() }, this.intervalMs)
    this.timer.unref()
  }

  /** Writes the counts still open; safe to call twice (the second has nothing to write). */
  async stop (): Promise<void> {
    if (this.timer != null) clearInterval(this.timer)
    this.timer = undefined
    await this.flush(Number.POSITIVE_INFINITY)
  }

  /** Verifies a submit up to (not including) decryption; returns the request or the code to refuse with. */
  async check (submit: Submit, peer: string, pending: Array<Promise<unknown>>): Promise<TaskRequest | WireErrorCode> {
    let opened
    try {
      opened = openSignedRecord(submit.request, { domain: TASK_REQUEST_DOMAIN, payloadType: TASK_REQUEST_TYPE, maxBytes: MAX_TASK_FRAME_BYTES })
    } catch {
      return 'malformed'
    }
    let req: TaskRequest
    try { req = decodeTaskRequest(opened.payload) } catch { return 'malformed' }
    if (peerIdFromPublicKey(opened.publicKey) !== peer || req.from !== peer) return 'not-a-member'
    if (req.org !== this.c.orgId) return 'wrong-org'
    if (req.audience !== this.c.self()) return 'malformed'
    const now = Date.now()
    if (req.expiresAt < now || req.issuedAt > now + REQUEST_CLOCK_SKEW_MS || req.expiresAt - req.issuedAt > MAX_REQUEST_LIFETIME_MS) return 'expired'
    // without the ids of earlier processes a replay could not be told: refuse rather than guess
    if (!await this.loaded()) return 'unavailable'
    if (this.seenBefore(req, pending)) return 'replay'
    return req
  }

  /** How long a peer past its refusal limit is turned away, or undefined when it is not. */
  throttled (peer: string, now = Date.now()): number | undefined {
    const w = this.windows.get(peer)
    if (w == null || now - w.startedAt >= this.intervalMs || w.audited < this.maxAudited) return undefined
    return Math.max(1, w.startedAt + this.intervalMs - now)
  }

  /** Records a refusal: audited while the peer is under its limit this interval, else only counted. */
  async refused (peer: string, code: WireErrorCode | 'throttled', task?: string, reason?: string): Promise<void> {
    const now = Date.now()
    // the window turns over synchronously, so concurrent refusals never count into a lost one
    let w = this.windows.get(peer)
    if (w != null && now - w.startedAt >= this.intervalMs) { void this.flushPeer(peer, w); w = undefined }
    if (w == null) { w = { startedAt: now, audited: 0, counted: new Map() }; this.windows.set(peer, w) }
    if (w.audited < this.maxAudited && code !== 'throttled') {
      w.audited++
      await this.c.audit.append({ type: 'task.rejected', actor: this.c.self(), peer, ...(task != null ? { task } : {}), data: { code, ...(reason != null ? { reason } : {}) } })
      return
    }
    w.counted.set(code, (w.counted.get(code) ?? 0) + 1)
  }

  /** Writes one audited count per peer whose interval is over; forgets expired message ids, here and on disk. */
  async flush (now = Date.now()): Promise<void> {
    for (const [peer, w] of this.windows) if (now - w.startedAt >= this.intervalMs) await this.flushPeer(peer, w)
    const expired = Math.min(now, Date.now()) - REQUEST_CLOCK_SKEW_MS
    for (const [id, exp] of this.seenMemory) if (exp < expired) this.seenMemory.delete(id)
    await this.c.seen.prune(expired).catch((err: Error) => { this.c.logger.error('pruning expired request ids failed: %s', err.message) })
  }

  /** Reads the unexpired ids of earlier processes once; false (and tried again next time) when the disk would not say. */
  private async loaded (): Promise<boolean> {
    this.loading ??= (async () => {
      try {
        for (const [id, exp] of await this.c.seen.unexpired(Date.now() - REQUEST_CLOCK_SKEW_MS)) this.seenMemory.set(id, exp)
        return true
      } catch (err) {
        this.c.logger.error('reading the request ids of earlier runs failed: %s', (err as Error).message)
        this.loading = null
        return false
      }
    })()
    return await this.loading
  }

  private async flushPeer (peer: string, w: Window): Promise<void> {
    if (this.windows.get(peer) === w) this.windows.delete(peer)
    if (w.counted.size === 0) return
    const count = [...w.counted.values()].reduce((a, b) => a + b, 0)
    const codes = [...w.counted].map(([c, n]) => `${c}:${n}`)
    this.c.logger('%d more refusals of %s in %d ms (%s)', count, peer, this.intervalMs, codes.join(', '))
    await this.c.audit.append({ type: 'task.rejected', actor: this.c.self(), peer, data: { code: 'rate-limited', count, codes } }).catch(err => {
      this.c.logger.error('audit of refusal counts failed: %s', (err as Error).message)
    })
  }

  /**
   * Whether a message id was seen before, by this process or (read at start)
   * an earlier one. The in-memory set stops concurrent replays at once; the
   * id reaches disk with the task's other writes, before any final frame
   * leaves.
   */
  private seenBefore (req: TaskRequest, pending: Array<Promise<unknown>>): boolean {
    const { msgId, expiresAt } = req
    if (this.seenMemory.has(msgId)) return true
    this.seenMemory.set(msgId, expiresAt)
    pending.push(this.c.seen.add(msgId, expiresAt))
    return false
  }
}
