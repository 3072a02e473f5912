/**
 * Capability cards: publishes this node's signed card at start, whenever it
 * changes and periodically (fresh load, renewed expiry); receives cards by
 * gossip and by a sync exchange with every newly admitted member; keeps only
 * verified ones; provides DHT records keyed by task kind so a node can find
 * who serves a kind without holding every card.
 */
import { TypedEventEmitter, type Connection, type Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../logger.ts'
import type { MycelHost } from '../net/host.ts'
import type { MembershipGate } from '../membership/gate.ts'
import { cardsTopic, SYNC_PROTOCOL } from '../../protocol/cards/ids.ts'
import { decodeSyncMessage, encodeCardPayload, encodeSyncMessage, type CapabilityCard } from '../../protocol/cards/card.ts'
import { frame } from '../streams.ts'
import { CARD_REFRESH_INTERVAL_MS, CARD_REPUBLISH_INTERVAL_MS, CARD_TTL_MS, PROTOCOL_EXCHANGE_TIMEOUT_MS, SYNC_RETRY_DELAY_MS } from '../constants.ts'
import { CardRejectedError, verifyCard, type CardRejection, type CardVerifier } from './verify.ts'
import { MAX_SYNC_BYTES } from '../../protocol/cards/card.ts'

export interface HeldCard {
  card: CapabilityCard
  /** The signed record exactly as received, to pass on unchanged. */
  bytes: Uint8Array
  receivedAt: number
}

export type CardContent = Omit<CapabilityCard, 'v' | 'peerId' | 'org' | 'seq' | 'issuedAt' | 'expiresAt' | 'addrs' | 'cert'>

export interface CardServiceComponents {
  logger: Logger
  host: MycelHost
  gate: MembershipGate
  orgId: string
  /** Current membership chain of this node. */
  chain: () => Uint8Array
  /** What this node offers right now. */
  content: () => CardContent
  /** Signs a card payload into a signed record. */
  sign: (payload: Uint8Array) => Uint8Array
  verifier: Omit<CardVerifier, 'knownSeq' | 'orgId'>
  /** Called with revocation list bytes carried by a sync exchange. */
  onRevocations?: (bytes: Uint8Array) => void
  /** Current revocation list bytes to pass on in a sync exchange. */
  revocations?: () => Uint8Array | undefined
  /** The org's model catalog, exchanged on connect the same way (node/catalog). */
  catalog?: () => Uint8Array | undefined
  onCatalog?: (bytes: Uint8Array) => void
}

export interface CardServiceInit {
  /** How often the card is checked for a change to republish. @default CARD_REPUBLISH_INTERVAL_MS */
  republishIntervalMs?: number
  /** An unchanged card is republished this often (renewed expiry). @default CARD_REFRESH_INTERVAL_MS */
  refreshIntervalMs?: number
  /** @default CARD_TTL_MS */
  cardTtlMs?: number
  /** Dial members discovered through cards. @default true */
  dialDiscovered?: boolean
}

export interface CardEvents {
  'card:updated': CustomEvent<CapabilityCard>
  'card:rejected': CustomEvent<{ reason: CardRejection, from?: string }>
}

export function cardService (init: CardServiceInit = {}) {
  return (components: CardServiceComponents) => new CardService(components, init)
}

export class CardService extends TypedEventEmitter<CardEvents> {
  private readonly held = new Map<string, HeldCard>()
  private readonly rejected: Record<CardRejection, number> = {
    malformed: 0, 'bad-signature': 0, 'signer-mismatch': 0, 'wrong-org': 0, 'not-member': 0, revoked: 0, expired: 0, stale: 0
  }

  private seq = 0
  private timer?: ReturnType<typeof setInterval>
  private readonly providedKinds = new Set<string>()
  private providing?: Promise<void>
  private provideAgain?: string[]
  private readonly dialing = new Set<string>()
  private readonly c: CardServiceComponents
  private readonly republishIntervalMs: number
  private readonly refreshIntervalMs: number
  /** What the last published card said, less its load and dates (see `unchanged`). */
  private lastShape?: { key: Uint8Array, at: number }
  private readonly cardTtlMs: number
  private readonly dialDiscovered: boolean
  private readonly verifier: CardVerifier
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array, from?: unknown }>): void => {
    const msg = evt.detail
    if (msg.topic !== cardsTopic(this.c.orgId)) return
    this.accept(msg.data, String(msg.from ?? ''))
  }

  private readonly onAdmitted = (evt: CustomEvent<{ peerId: string }>): void => {
    // both ends admit each other; one exchange carries both sets, so the end with the lower peer id starts it
    // (both did before: at 64 members the syncs, each set ~115 KB, were most of what forming the mesh sent)
    const peer = evt.detail.peerId
    if (this.c.host.peerId.toString() < peer) void this.syncWithRetry(peer)
    void this.provide(this.openKinds())
  }

  private readonly onRemoved = (evt: CustomEvent<{ peerId: string, reason: string }>): void => {
    // a revoked member's card is dropped; a merely disconnected one stays until it expires
    if (evt.detail.reason === 'revoked') this.held.delete(evt.detail.peerId)
  }

  constructor (components: CardServiceComponents, init: CardServiceInit = {}) {
    super()
    this.c = components
    this.republishIntervalMs = init.republishIntervalMs ?? CARD_REPUBLISH_INTERVAL_MS
    this.refreshIntervalMs = init.refreshIntervalMs ?? CARD_REFRESH_INTERVAL_MS
    this.cardTtlMs = init.cardTtlMs ?? CARD_TTL_MS
    this.dialDiscovered = init.dialDiscovered ?? true
    this.verifier = { ...components.verifier, orgId: components.orgId, knownSeq: (id) => this.held.get(id)?.card.seq }
  }

  async start (): Promise<void> {
    const { host } = this.c
    // a restarted node must outrank the cards it published before: seed seq from the clock
    this.seq = Date.now()
    host.services.pubsub.subscribe(cardsTopic(this.c.orgId))
    host.services.pubsub.addEventListener('message', this.onMessage as any)
    await host.handle(SYNC_PROTOCOL, async (stream, connection) => { await this.onSync(stream, connection) })
    this.c.gate.addEventListener('member:admitted', this.onAdmitted as any)
    this.c.gate.addEventListener('member:removed', this.onRemoved as any)
    await this.publish()
    this.timer = setInterval(() => {
      this.purgeExpired()
      void this.republishIfDue().catch(err => { this.c.logger('republish failed: %s', err.message) })
    }, this.republishIntervalMs)
  }

  async stop (): Promise<void> {
    if (this.timer != null) clearInterval(this.timer)
    this.c.host.services.pubsub.removeEventListener('message', this.onMessage as any)
    this.c.gate.removeEventListener('member:admitted', this.onAdmitted as any)
    this.c.gate.removeEventListener('member:removed', this.onRemoved as any)
    await this.c.host.unhandle(SYNC_PROTOCOL).catch(() => {})
  }

  /**
   * Republishes when the card would say something new (addresses, certificate,
   * anything `content` reads) or the refresh interval passed; returns whether
   * it did. The load alone is no reason: beats carry it. An unchanged card
   * still retries a DHT provide that failed before.
   */
  async republishIfDue (): Promise<boolean> {
    const now = Date.now()
    if (this.lastShape != null && now - this.lastShape.at < this.refreshIntervalMs && Buffer.compare(this.lastShape.key, shapeKey(this.draft(now))) === 0) {
      void this.provide(this.openKinds())
      return false
    }
    await this.publish()
    return true
  }

  /** Signs and spreads a fresh card; call whenever what the node offers changes. */
  async publish (): Promise<CapabilityCard> {
    const { host } = this.c
    const now = Date.now()
    this.seq = Math.max(this.seq + 1, now)
    const card = this.draft(now)
    const bytes = this.c.sign(encodeCardPayload(card))
    this.lastShape = { key: shapeKey(card), at: now }
    this.held.set(card.peerId, { card, bytes, receivedAt: now })
    this.safeDispatch('card:updated', card)
    await host.services.pubsub.publish(cardsTopic(this.c.orgId), bytes).catch(err => {
      this.c.logger('card gossip failed: %s', err.message)
    })
    void this.provide(card.policy.kinds)
    return card
  }

  private draft (now: number): CapabilityCard {
    const { host } = this.c
    return {
      v: 1,
      peerId: host.peerId.toString(),
      org: this.c.orgId,
      seq: this.seq,
      issuedAt: now,
      expiresAt: now + this.cardTtlMs,
      addrs: host.getMultiaddrs().map(String).slice(0, 16),
      cert: this.c.chain(),
      ...this.c.content()
    }
  }

  /** Verified, unexpired cards, this node's own included. */
  cards (): HeldCard[] {
    const now = Date.now()
    return [...this.held.values()].filter(h => h.card.expiresAt > now)
  }

  card (peerId: string): CapabilityCard | undefined {
    const h = this.held.get(peerId)
    return h != null && h.card.expiresAt > Date.now() ? h.card : undefined
  }

  rejectedCounts (): Record<CardRejection, number> {
    return { ...this.rejected }
  }

  /** Drops every card of a peer (revoked members). */
  forget (peerId: string): void {
    this.held.delete(peerId)
  }

  /** Verifies a signed card from anywhere (gossip, sync, tests) and keeps it when it is newer. */
  accept (bytes: Uint8Array, from?: string): CapabilityCard | undefined {
    // a sync hands over every card the peer holds, nearly all of them ones we verified already:
    // the same bytes again carry nothing new, so skip the three signature checks of verifying them
    if (this.isEcho(bytes)) return undefined
    try {
      const card = verifyCard(bytes, this.verifier)
      if (card.peerId === this.c.host.peerId.toString()) return undefined
      this.held.set(card.peerId, { card, bytes, receivedAt: Date.now() })
      this.safeDispatch('card:updated', card)
      this.maybeDial(card)
      return card
    } catch (err) {
      if (err instanceof CardRejectedError) {
        this.rejected[err.reason]++
        this.c.logger('rejected card from %s: %s', from ?? 'unknown', err.reason)
        this.safeDispatch('card:rejected', { reason: err.reason, ...(from != null ? { from } : {}) })
        return undefined
      }
      throw err
    }
  }

  /** Peer ids that provide records for a task kind in the DHT. */
  async findProviders (kind: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const cid = await kindCid(this.c.orgId, kind)
    const out: string[] = []
    for await (const p of this.c.host.contentRouting.findProviders(cid, options)) out.push(p.id.toString())
    return [...new Set(out)]
  }

  private isEcho (bytes: Uint8Array): boolean {
    for (const h of this.held.values()) {
      if (h.bytes.byteLength === bytes.byteLength && Buffer.compare(h.bytes, bytes) === 0) return true
    }
    return false
  }

  /**
   * Provides the kinds not provided yet, one pass at a time: every admission
   * and publish asks, and before this each started its own pass over every
   * kind (a DHT query and a record to each close peer per kind), so a member
   * joining 15 others ran 15 overlapping passes that went on long after the
   * mesh formed (the scale bench: 200 provide queries in 30 s at rest with
   * 16 members). A call during a pass asks for one more pass after it. The
   * DHT republishes provided records itself (kad-dht's reprovider). Only
   * kinds open to members are provided: a record for a kind the policy
   * refuses to members sends them to a refusal, and a node with no model
   * served a dozen built-in kinds, a query and ~15 records each.
   */
  /** The kinds this node's card says org members may send it: what its provider records advertise. */
  private openKinds (): string[] {
    return this.card(this.c.host.peerId.toString())?.policy.kinds ?? []
  }

  private async provide (kinds: string[]): Promise<void> {
    if (this.providing != null) { this.provideAgain = kinds; return await this.providing }
    this.providing = this.providePass(kinds).finally(() => { this.providing = undefined })
    await this.providing
    const again = this.provideAgain
    this.provideAgain = undefined
    if (again != null) await this.provide(again)
  }

  private async providePass (kinds: string[]): Promise<void> {
    // with an empty routing table a provide "succeeds" into our own store only; leave it for a later try
    if (((this.c.host.services.dht as { routingTable?: { size: number } }).routingTable?.size ?? 0) === 0) return
    for (const kind of kinds) {
      if (this.providedKinds.has(kind)) continue
      try {
        await this.c.host.contentRouting.provide(await kindCid(this.c.orgId, kind), { signal: AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS) })
        this.providedKinds.add(kind)
      } catch (err) {
        this.c.logger('DHT provide of %s failed (will retry on republish): %s', kind, (err as Error).message)
      }
    }
  }

  private purgeExpired (): void {
    const now = Date.now()
    for (const [id, h] of this.held) if (h.card.expiresAt <= now) this.held.delete(id)
  }

  private maybeDial (card: CapabilityCard): void {
    if (!this.dialDiscovered || this.dialing.has(card.peerId)) return
    const peer = peerIdFromString(card.peerId)
    if (this.c.host.getConnections(peer).length > 0) return
    this.dialing.add(card.peerId)
    const addrs = card.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } })
    void this.c.host.dial(addrs, { signal: AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS) })
      .catch(err => { this.c.logger('could not dial discovered member %s: %s', card.peerId, err.message) })
      .finally(() => { this.dialing.delete(card.peerId) })
  }

  /** Our sync message; as a reply, without the cards the peer just sent us byte for byte (it holds them). */
  private syncMessage (theirs: Uint8Array[] = []): Uint8Array {
    const revocations = this.c.revocations?.()
    const catalog = this.c.catalog?.()
    const held = new Set(theirs.map(b => Buffer.from(b).toString('base64')))
    const cards = this.cards().map(h => h.bytes).filter(b => held.size === 0 || !held.has(Buffer.from(b).toString('base64')))
    return encodeSyncMessage({ v: 1, t: 'sync', cards, ...(revocations != null ? { revocations } : {}), ...(catalog != null ? { catalog } : {}) })
  }

  /** One sync with a newly admitted member, tried once more a second later: it is the only one between the two. */
  private async syncWithRetry (peerId: string): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.syncWith(peerId)
        return
      } catch (err) {
        this.c.logger('card sync with %s failed: %s', peerId, (err as Error).message)
        if (this.c.host.getConnections(peerIdFromString(peerId)).length === 0) return
        await new Promise(resolve => setTimeout(resolve, SYNC_RETRY_DELAY_MS))
      }
    }
  }

  private absorb (msg: { cards: Uint8Array[], revocations?: Uint8Array, catalog?: Uint8Array }, from: string): void {
    if (msg.revocations != null) this.c.onRevocations?.(msg.revocations)
    if (msg.catalog != null) this.c.onCatalog?.(msg.catalog)
    const cards = msg.cards
    for (const bytes of cards) this.accept(bytes, from)
  }

  /** Exchanges card sets (and revocation lists) with a newly admitted member. */
  async syncWith (peerId: string): Promise<void> {
    const signal = AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS)
    const stream = await this.c.host.dialProtocol(peerIdFromString(peerId), SYNC_PROTOCOL, { signal })
    const framed = frame(stream, { maxFrameBytes: MAX_SYNC_BYTES })
    try {
      await framed.write(this.syncMessage(), { signal })
      const reply = await framed.read(decodeSyncMessage, { signal })
      await framed.close()
      this.absorb(reply, peerId)
    } catch (err) {
      framed.reset(err as Error)
      throw err
    }
  }

  private async onSync (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const framed = frame(stream, { maxFrameBytes: MAX_SYNC_BYTES })
    const signal = AbortSignal.timeout(PROTOCOL_EXCHANGE_TIMEOUT_MS)
    try {
      const msg = await framed.read(decodeSyncMessage, { signal })
      await framed.write(this.syncMessage(msg.cards), { signal })
      await framed.close()
      this.absorb(msg, peerId)
    } catch (err) {
      this.c.logger('bad sync exchange from %s: %s', peerId, (err as Error).message)
      framed.reset(err as Error)
    }
  }

  private safeDispatch<K extends keyof CardEvents> (type: K, detail: CardEvents[K]['detail']): void {
    try { this.safeDispatchEvent(type, { detail }) } catch (err) { this.c.logger.error('card listener failed: %s', (err as Error).message) }
  }
}

/** A card's bytes with what changes on every publish (sequence, dates, load) blanked: equal keys say the same thing. */
function shapeKey (card: CapabilityCard): Uint8Array {
  return encodeCardPayload({ ...card, seq: 0, issuedAt: 0, expiresAt: 0, load: { running: 0, queued: 0, slots: card.load.slots } })
}

/** The DHT key under which providers of a task kind are recorded. */
export async function kindCid (orgId: string, kind: string): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(`mycel:${orgId}:kind:${kind}`))
  return CID.createV1(0x55, digest)
}
