/**
 * The membership gate: the real fence of the mesh (the pre-shared key is
 * only the outer one).
 *
 * Right after a connection opens, the dialing side sends its membership chain
 * on `MEMBERSHIP_PROTOCOL` and the listening side answers with its own; each
 * verifies the other's chain against the org root, expiry and the revocation
 * list. Until a peer is admitted, every other protocol stream to or from it
 * waits in a middleware and is reset if admission does not come; a peer that
 * has not proved membership within `ADMISSION_TIMEOUT_MS` is disconnected.
 * Revoked peers are dropped at once and refused by the connection gater.
 */
import { TypedEventEmitter, type Connection, type ConnectionGater, type Libp2pEvents, type PeerId, type Stream } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import { MEMBERSHIP_PROTOCOL, JOIN_PROTOCOL } from '../../protocol/membership/ids.ts'
import { decodeHello, decodeHelloReply, encodeMembershipMessage, refusal, type Hello } from '../../protocol/membership/messages.ts'
import { RemoteError, type WireErrorCode } from '../../protocol/codes.ts'
import { frame } from '../streams.ts'
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

/** What the gate needs from the rest of the node. */
export interface GateCredentials {
  /** Our own chain to present. */
  chain: () => Uint8Array
  /** Verifies a chain presented by `peerId`; throws a typed error with a wire `code` when refused. */
  verify: (chain: Uint8Array, peerId: string) => MemberInfo
  /** Whether a peer id or cert serial is revoked right now. */
  isRevoked: (peerId: string, serial?: string) => boolean
  /** Sequence of our newest revocation list. */
  revocationSeq: () => number
}

export interface GateEvents {
  'member:admitted': CustomEvent<MemberInfo>
  'member:removed': CustomEvent<{ peerId: string, reason: string }>
  /** The remote holds a newer revocation list than ours. */
  'revocations:behind': CustomEvent<{ peerId: string, seq: number }>
}

interface GateHost {
  peerId: PeerId
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: any) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  getProtocols: () => string[]
  getConnections: (peerId?: PeerId) => Connection[]
  hangUp: (peer: PeerId) => Promise<void>
  addEventListener: <K extends keyof Libp2pEvents>(type: K, listener: (evt: Libp2pEvents[K]) => void) => void
  removeEventListener: <K extends keyof Libp2pEvents>(type: K, listener: (evt: Libp2pEvents[K]) => void) => void
  use: (protocol: string, middleware: any) => void
}

export interface MembershipGateInit {
  /** @default ADMISSION_TIMEOUT_MS */
  admissionTimeoutMs?: number
  /** @default REFUSED_PEER_BACKOFF_MS */
  refusedBackoffMs?: number
}

export class MembershipGate extends TypedEventEmitter<GateEvents> {
  private readonly members = new Map<string, MemberInfo>()
  private readonly waiters = new Map<string, Set<(ok: boolean) => void>>()
  private readonly refusedUntil = new Map<string, number>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly admissionTimeoutMs: number
  private readonly refusedBackoffMs: number
  private host?: GateHost
  private readonly log: Logger
  private readonly credentials: GateCredentials
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => { this.admit(evt.detail) }
  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    if (this.members.delete(id)) this.safeDispatch('member:removed', { peerId: id, reason: 'disconnected' })
  }

  constructor (components: { logger: Logger, credentials: GateCredentials }, init: MembershipGateInit = {}) {
    super()
    this.log = components.logger
    this.credentials = components.credentials
    this.admissionTimeoutMs = init.admissionTimeoutMs ?? ADMISSION_TIMEOUT_MS
    this.refusedBackoffMs = init.refusedBackoffMs ?? REFUSED_PEER_BACKOFF_MS
  }

  /** The libp2p connection gater: refuses revoked and recently refused peers before any protocol runs. */
  readonly connectionGater: ConnectionGater = {
    denyInboundEncryptedConnection: (peerId) => this.shouldDeny(peerId.toString()),
    denyOutboundEncryptedConnection: (peerId) => this.shouldDeny(peerId.toString())
  }

  /** Installs the membership handler and guards every other protocol the host serves. */
  async start (host: GateHost): Promise<void> {
    this.host = host
    await host.handle(MEMBERSHIP_PROTOCOL, async (stream, connection) => { await this.onHello(stream, connection) })
    this.guardProtocols()
    host.addEventListener('connection:open', this.onConnectionOpen)
    host.addEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  async stop (): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const set of this.waiters.values()) for (const w of set) w(false)
    this.waiters.clear()
    if (this.host != null) {
      this.host.removeEventListener('connection:open', this.onConnectionOpen)
      this.host.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    }
  }

  /**
   * Adds the membership middleware to every protocol served now. Call again
   * after handling new protocols. The join and membership protocols stay open.
   */
  guardProtocols (): void {
    const host = this.host
    if (host == null) return
    for (const protocol of host.getProtocols()) {
      if (protocol === MEMBERSHIP_PROTOCOL || protocol === JOIN_PROTOCOL) continue
      host.use(protocol, [this.middleware])
    }
  }

  isMember (peerId: string): boolean {
    return this.members.has(peerId)
  }

  member (peerId: string): MemberInfo | undefined {
    return this.members.get(peerId)
  }

  listMembers (): MemberInfo[] {
    return [...this.members.values()]
  }

  /** Drops every admitted peer the revocation list now covers. */
  async enforceRevocations (): Promise<void> {
    for (const m of [...this.members.values()]) {
      if (this.credentials.isRevoked(m.peerId, m.serial)) await this.expel(m.peerId, 'revoked')
    }
  }

  /** Drops members whose certificates have expired. */
  async enforceExpiry (now = Date.now()): Promise<void> {
    for (const m of [...this.members.values()]) {
      if (m.notAfter < now) await this.expel(m.peerId, 'certificate expired')
    }
  }

  async expel (peerId: string, reason: string): Promise<void> {
    this.members.delete(peerId)
    this.refusedUntil.set(peerId, Date.now() + this.refusedBackoffMs)
    this.resolveWaiters(peerId, false)
    this.safeDispatch('member:removed', { peerId, reason })
    const conn = this.host?.getConnections().find(c => c.remotePeer.toString() === peerId)
    if (conn != null) await this.host?.hangUp(conn.remotePeer).catch(() => {})
  }

  /**
   * Presents our current chain again to every connected member (after a
   * renewal), so they replace the expiry they hold for us.
   */
  async announce (): Promise<void> {
    const byPeer = new Map<string, Connection>()
    for (const c of this.host?.getConnections() ?? []) {
      const id = c.remotePeer.toString()
      if (c.status === 'open' && this.members.has(id) && !byPeer.has(id)) byPeer.set(id, c)
    }
    await Promise.all([...byPeer].map(async ([id, c]) => {
      await this.sendHello(c).catch(err => { this.log('re-announcing our chain to %s failed: %s', id, err.message) })
    }))
  }

  /** Resolves once the peer is admitted, or false after the admission timeout. */
  async waitForAdmission (peerId: string, timeoutMs = this.admissionTimeoutMs): Promise<boolean> {
    if (this.members.has(peerId)) return true
    return await new Promise<boolean>(resolve => {
      let set = this.waiters.get(peerId)
      if (set == null) { set = new Set(); this.waiters.set(peerId, set) }
      const waiter = (ok: boolean): void => { clearTimeout(timer); this.timers.delete(timer); set.delete(waiter); resolve(ok) }
      const timer = setTimeout(() => { waiter(false) }, timeoutMs)
      this.timers.add(timer)
      set.add(waiter)
    })
  }

  private shouldDeny (peerId: string): boolean {
    if (this.credentials.isRevoked(peerId)) return true
    const until = this.refusedUntil.get(peerId)
    if (until == null) return false
    if (until < Date.now()) { this.refusedUntil.delete(peerId); return false }
    return true
  }

  private readonly middleware = (stream: Stream, connection: Connection, next: (s: Stream, c: Connection) => void): void => {
    const peerId = connection.remotePeer.toString()
    if (this.members.has(peerId)) { next(stream, connection); return }
    void this.waitForAdmission(peerId).then(ok => {
      if (ok) next(stream, connection)
      else stream.abort(new NotAMemberError())
    })
  }

  private admit (connection: Connection): void {
    const peerId = connection.remotePeer.toString()
    if (this.members.has(peerId)) return
    // the dialer speaks first; the listener waits, and disconnects a silent peer
    if (connection.direction === 'outbound') {
      void this.sendHello(connection).catch(err => {
        this.log('membership hello to %s failed: %s', peerId, err.message)
        void connection.close().catch(() => {})
      })
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (!this.members.has(peerId) && connection.status === 'open') {
        this.log('peer %s did not prove membership in time, disconnecting', peerId)
        void connection.close().catch(() => {})
      }
    }, this.admissionTimeoutMs)
    this.timers.add(timer)
  }

  private ourHello (): Hello {
    return { v: 1, t: 'hello', chain: this.credentials.chain(), revSeq: this.credentials.revocationSeq() }
  }

  private async sendHello (connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const stream = await connection.newStream(MEMBERSHIP_PROTOCOL, { signal: AbortSignal.timeout(this.admissionTimeoutMs) })
    const framed = frame(stream, { maxFrameBytes: 16 * 1024 })
    try {
      await framed.write(encodeMembershipMessage(this.ourHello()))
      const reply = await framed.read(decodeHelloReply, { signal: AbortSignal.timeout(this.admissionTimeoutMs) })
      if (reply.t === 'refused') throw new RemoteError(reply.code)
      this.accept(peerId, reply)
      await framed.close()
    } catch (err) {
      framed.reset(err as Error)
      throw err
    }
  }

  private async onHello (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const framed = frame(stream, { maxFrameBytes: 16 * 1024 })
    try {
      const hello = await framed.read(decodeHello, { signal: AbortSignal.timeout(this.admissionTimeoutMs) })
      try {
        this.accept(peerId, hello)
      } catch (err) {
        const code: WireErrorCode = (err as { code?: WireErrorCode }).code ?? 'not-a-member'
        await framed.write(encodeMembershipMessage(refusal(code))).catch(() => {})
        await framed.close()
        this.refusedUntil.set(peerId, Date.now() + this.refusedBackoffMs)
        // give the refusal a moment to reach the peer, then cut it off
        const t = setTimeout(() => { this.timers.delete(t); void connection.close().catch(() => {}) }, 100)
        this.timers.add(t)
        return
      }
      await framed.write(encodeMembershipMessage(this.ourHello()))
      await framed.close()
    } catch (err) {
      this.log('bad membership hello from %s: %s', peerId, (err as Error).message)
      framed.reset(err as Error)
    }
  }

  private accept (peerId: string, hello: Hello): void {
    const info = this.credentials.verify(hello.chain, peerId)
    if (this.credentials.isRevoked(peerId, info.serial)) throw Object.assign(new NotAMemberError('Peer is revoked'), { code: 'revoked' as const })
    const known = this.members.has(peerId)
    this.members.set(peerId, info)
    if (hello.revSeq > this.credentials.revocationSeq()) this.safeDispatch('revocations:behind', { peerId, seq: hello.revSeq })
    this.resolveWaiters(peerId, true)
    if (!known) {
      this.log('admitted member %s', peerId)
      this.safeDispatch('member:admitted', info)
    }
  }

  private resolveWaiters (peerId: string, ok: boolean): void {
    const set = this.waiters.get(peerId)
    if (set == null) return
    this.waiters.delete(peerId)
    for (const w of [...set]) w(ok)
  }

  private safeDispatch<K extends keyof GateEvents> (type: K, detail: GateEvents[K]['detail']): void {
    try {
      this.safeDispatchEvent(type, { detail })
    } catch (err) {
      this.log.error('listener for %s failed: %s', type, (err as Error).message)
    }
  }
}

/**
 * libp2p 3.3 pushes the protocol handler onto the registrar's stored
 * middleware array on every inbound stream, so once middleware is set the
 * handler would run again for each later stream. Hand out a copy instead.
 */
export function patchRegistrarMiddleware (registrar: { getMiddleware: (protocol: string) => unknown[] }): void {
  const original = registrar.getMiddleware.bind(registrar)
  registrar.getMiddleware = (protocol: string) => [...original(protocol)]
}
