/**
 * The membership gate: the real fence of the mesh (the pre-shared key is
 * only the outer one).
 *
 * Right after a connection opens, the dialing side sends its membership chain
 * on `MEMBERSHIP_PROTOCOL` and the listening side answers with its own; each
 * verifies the other's chain against the org root, expiry and the revocation
 * list. Until a peer is admitted, every other protocol stream to or from it
 * waits (`admission.ts`, in front of every protocol of the host) and is reset
 * if admission does not come; a peer that has not proved membership within
 * `ADMISSION_TIMEOUT_MS` is disconnected. Revoked peers are dropped at once
 * and refused by the connection gater.
 *
 * @example
 * const gate = membershipGate()({ logger, credentials, admission, host })
 * await gate.start()
 * gate.addEventListener('member:admitted', (evt) => { console.log(evt.detail.peerId) })
 */
import { TypedEventEmitter, type Connection, type Libp2pEvents, type PeerId, type Stream } from '@libp2p/interface'
import type { Logger } from '../logger.ts'
import { MEMBERSHIP_PROTOCOL } from '../../protocol/membership/ids.ts'
import { decodeHello, decodeHelloReply, encodeMembershipMessage, refusal, type Hello } from '../../protocol/membership/messages.ts'
import { RemoteError, type WireErrorCode } from '../../protocol/codes.ts'
import { frame } from '../streams.ts'
import { NotAMemberError } from './errors.ts'
import type { Admission, MemberInfo } from './admission.ts'

export type { MemberInfo } from './admission.ts'

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
}

export interface GateHost {
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: any) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  getConnections: (peerId?: PeerId) => Connection[]
  hangUp: (peer: PeerId) => Promise<void>
  addEventListener: <K extends keyof Libp2pEvents>(type: K, listener: (evt: Libp2pEvents[K]) => void) => void
  removeEventListener: <K extends keyof Libp2pEvents>(type: K, listener: (evt: Libp2pEvents[K]) => void) => void
}

export interface GateComponents {
  logger: Logger
  credentials: GateCredentials
  admission: Admission
  host: GateHost
}

export function membershipGate () {
  return (components: GateComponents) => new MembershipGate(components)
}

export class MembershipGate extends TypedEventEmitter<GateEvents> {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly log: Logger
  private readonly credentials: GateCredentials
  private readonly admission: Admission
  private readonly host: GateHost
  private started = false
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => { this.admit(evt.detail) }
  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    if (this.admission.remove(id)) this.safeDispatch('member:removed', { peerId: id, reason: 'disconnected' })
  }

  constructor (components: GateComponents) {
    super()
    this.log = components.logger
    this.credentials = components.credentials
    this.admission = components.admission
    this.host = components.host
  }

  private get admissionTimeoutMs (): number { return this.admission.admissionTimeoutMs }

  /** Serves the membership protocol and admits every new connection. */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.host.handle(MEMBERSHIP_PROTOCOL, async (stream, connection) => { await this.onHello(stream, connection) })
    this.host.addEventListener('connection:open', this.onConnectionOpen)
    this.host.addEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.admission.close()
    this.host.removeEventListener('connection:open', this.onConnectionOpen)
    this.host.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    await this.host.unhandle(MEMBERSHIP_PROTOCOL).catch(() => {})
  }

  isMember (peerId: string): boolean {
    return this.admission.isMember(peerId)
  }

  member (peerId: string): MemberInfo | undefined {
    return this.admission.member(peerId)
  }

  listMembers (): MemberInfo[] {
    return this.admission.list()
  }

  /** Drops every admitted peer the revocation list now covers. */
  async enforceRevocations (): Promise<void> {
    for (const m of this.admission.list()) {
      if (this.credentials.isRevoked(m.peerId, m.serial)) await this.expel(m.peerId, 'revoked')
    }
  }

  /** Drops members whose certificates have expired. */
  async enforceExpiry (now = Date.now()): Promise<void> {
    for (const m of this.admission.list()) {
      if (m.notAfter < now) await this.expel(m.peerId, 'certificate expired')
    }
  }

  async expel (peerId: string, reason: string): Promise<void> {
    this.admission.refuse(peerId)
    this.safeDispatch('member:removed', { peerId, reason })
    const conn = this.host.getConnections().find(c => c.remotePeer.toString() === peerId)
    if (conn != null) await this.host.hangUp(conn.remotePeer).catch(() => {})
  }

  /**
   * Presents our current chain again to every connected member (after a
   * renewal), so they replace the expiry they hold for us.
   */
  async announce (): Promise<void> {
    const byPeer = new Map<string, Connection>()
    for (const c of this.host.getConnections()) {
      const id = c.remotePeer.toString()
      if (c.status === 'open' && this.admission.isMember(id) && !byPeer.has(id)) byPeer.set(id, c)
    }
    await Promise.all([...byPeer].map(async ([id, c]) => {
      await this.sendHello(c).catch(err => { this.log('re-announcing our chain to %s failed: %s', id, err.message) })
    }))
  }

  /** Resolves once the peer is admitted, or false after the admission timeout. */
  async waitForAdmission (peerId: string, timeoutMs = this.admissionTimeoutMs): Promise<boolean> {
    return await this.admission.waitFor(peerId, timeoutMs)
  }

  private admit (connection: Connection): void {
    const peerId = connection.remotePeer.toString()
    if (this.admission.isMember(peerId)) return
    // the dialer speaks first; the listener waits, and disconnects a silent peer
    if (connection.direction === 'outbound') {
      void this.sendHello(connection).catch(err => {
        this.log('membership hello to %s failed: %s', peerId, err.message)
        void connection.close().catch(() => {})
      })
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (!this.admission.isMember(peerId) && connection.status === 'open') {
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
        this.admission.refuse(peerId)
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
    // a newer revocation list on the other side arrives by the card sync every admission starts
    if (this.admission.admit(info)) {
      this.log('admitted member %s', peerId)
      this.safeDispatch('member:admitted', info)
    }
  }

  private safeDispatch<K extends keyof GateEvents> (type: K, detail: GateEvents[K]['detail']): void {
    try {
      this.safeDispatchEvent(type, { detail })
    } catch (err) {
      this.log.error('listener for %s failed: %s', type, (err as Error).message)
    }
  }
}
