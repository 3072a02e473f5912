/**
 * Who is admitted right now, and the fence around everyone else: the
 * stream middleware that holds a protocol stream until its peer is admitted
 * (and resets it if admission does not come), and the connection gater that
 * refuses revoked and recently refused peers before any protocol runs.
 *
 * It needs no host, so the host is built with it in place (`net/host.ts`
 * puts the middleware in front of every protocol) and nothing is ever
 * served unguarded; the gate (`gate.ts`) decides who gets in.
 *
 * @example
 * const admission = new Admission({ isRevoked })
 * const host = await createHost({ ..., connectionGater: admission.connectionGater, guard: { middleware: admission.middleware, open: [MEMBERSHIP_PROTOCOL, JOIN_PROTOCOL] } })
 */
import type { Connection, ConnectionGater, Stream, StreamMiddleware } from '@libp2p/interface'
import { ADMISSION_TIMEOUT_MS, REFUSED_PEER_BACKOFF_MS } from '../constants.ts'
import { NotAMemberError } from './errors.ts'

export interface MemberInfo {
  peerId: string
  groups: string[]
  serial: string
  notAfter: number
  /** The chain bytes the peer presented. */
  chain: Uint8Array
}

export interface AdmissionComponents {
  /** Whether a peer id or cert serial is revoked right now. */
  isRevoked: (peerId: string, serial?: string) => boolean
}

export interface AdmissionInit {
  /** @default ADMISSION_TIMEOUT_MS */
  admissionTimeoutMs?: number
  /** @default REFUSED_PEER_BACKOFF_MS */
  refusedBackoffMs?: number
}

export class Admission {
  readonly admissionTimeoutMs: number
  private readonly refusedBackoffMs: number
  private readonly members = new Map<string, MemberInfo>()
  private readonly waiters = new Map<string, Set<(ok: boolean) => void>>()
  private readonly refusedUntil = new Map<string, number>()
  private readonly c: AdmissionComponents

  constructor (components: AdmissionComponents, init: AdmissionInit = {}) {
    this.c = components
    this.admissionTimeoutMs = init.admissionTimeoutMs ?? ADMISSION_TIMEOUT_MS
    this.refusedBackoffMs = init.refusedBackoffMs ?? REFUSED_PEER_BACKOFF_MS
  }

  readonly connectionGater: ConnectionGater = {
    denyInboundEncryptedConnection: (peerId) => this.shouldDeny(peerId.toString()),
    denyOutboundEncryptedConnection: (peerId) => this.shouldDeny(peerId.toString())
  }

  readonly middleware: StreamMiddleware = (stream: Stream, connection: Connection, next: (s: Stream, c: Connection) => void): void => {
    const peerId = connection.remotePeer.toString()
    if (this.members.has(peerId)) { next(stream, connection); return }
    void this.waitFor(peerId).then(ok => {
      if (ok) next(stream, connection)
      else stream.abort(new NotAMemberError())
    })
  }

  isMember (peerId: string): boolean { return this.members.has(peerId) }
  member (peerId: string): MemberInfo | undefined { return this.members.get(peerId) }
  list (): MemberInfo[] { return [...this.members.values()] }

  /** Records an admitted member (or its renewed chain) and releases its waiting streams; true when it is new. */
  admit (info: MemberInfo): boolean {
    const known = this.members.has(info.peerId)
    this.members.set(info.peerId, info)
    this.settle(info.peerId, true)
    return !known
  }

  /** Forgets a member; true when it was one. */
  remove (peerId: string): boolean {
    return this.members.delete(peerId)
  }

  /** Drops a peer and refuses it for the backoff; its waiting streams are reset. */
  refuse (peerId: string): void {
    this.members.delete(peerId)
    this.refusedUntil.set(peerId, Date.now() + this.refusedBackoffMs)
    this.settle(peerId, false)
  }

  /** Resolves once the peer is admitted, or false after the admission timeout. */
  async waitFor (peerId: string, timeoutMs = this.admissionTimeoutMs): Promise<boolean> {
    if (this.members.has(peerId)) return true
    return await new Promise<boolean>(resolve => {
      let set = this.waiters.get(peerId)
      if (set == null) { set = new Set(); this.waiters.set(peerId, set) }
      const waiter = (ok: boolean): void => { clearTimeout(timer); set.delete(waiter); resolve(ok) }
      const timer = setTimeout(() => { waiter(false) }, timeoutMs)
      set.add(waiter)
    })
  }

  /** Fails every waiting stream (at stop). */
  close (): void {
    for (const peerId of [...this.waiters.keys()]) this.settle(peerId, false)
  }

  private settle (peerId: string, ok: boolean): void {
    const set = this.waiters.get(peerId)
    if (set == null) return
    this.waiters.delete(peerId)
    for (const w of [...set]) w(ok)
  }

  private shouldDeny (peerId: string): boolean {
    if (this.c.isRevoked(peerId)) return true
    const until = this.refusedUntil.get(peerId)
    if (until == null) return false
    if (until < Date.now()) { this.refusedUntil.delete(peerId); return false }
    return true
  }
}
