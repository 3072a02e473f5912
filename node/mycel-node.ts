/**
 * The running Mycel node: assembles identity, membership gate, libp2p host,
 * revocations, capability cards and the control API, and takes them down in
 * the reverse order.
 *
 * @example
 * const node = await createMycelNode({ home: '/home/me/.mycel', listen: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0' })
 * const { peerId, peers } = node.status()
 * await node.stop()
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { createLogger, type Logger } from './logger.ts'
import { homePaths, type HomePaths } from './home/home.ts'
import { loadNodeConfig, mergeStartOptions, NotInitializedError, NotJoinedError, saveNodeConfig, type NodeConfig, type OrgSettings, type StartFlags } from './home/config.ts'
import { createHost, type MycelHost } from './net/host.ts'
import { openNodeDb, type NodeDb } from './home/db.ts'
import { MembershipGate, patchRegistrarMiddleware } from './membership/gate.ts'
import { gateCredentials, verifyPeerMembership } from './membership/credentials.ts'
import { RevocationStore } from './membership/revocation-store.ts'
import { JoinServer } from './membership/join-server.ts'
import { levelInviteStore, type InviteBook } from './membership/invite-book.ts'
import { revokeInvite, revokeMember, type RevokeMemberInit, type RevokeMemberResult } from './membership/revoke.ts'
import { renewChain, serveRenewal } from './membership/renewal.ts'
import { NotAdminError } from './membership/errors.ts'
import { CardService, type CardContent, type CardServiceInit } from './cards/card-service.ts'
import type { ApiServer } from './api/server.ts'
import { createApiServer } from './http/index.ts'
import { inviteAddrs } from './api/invites.ts'
import { issueInvite, listInvites } from './membership/invites.ts'
import type { ApiModules, PeerSummary, StatusSummary } from './api/modules.ts'
import { loadNodeKey } from '../identity/keystore.ts'
import { toLibp2pPrivateKey, peerIdFromPublicKey } from '../identity/peer-id.ts'
import { fromHex } from '../identity/bytes.ts'
import { pskToPnetKey } from '../identity/psk.ts'
import { verifyMembershipChain } from '../identity/certs.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from '../identity/signed-record.ts'
import type { Ed25519KeyPair } from '../identity/keys.ts'
import { writeFileAtomic } from '../identity/atomic-write.ts'
import { CARD_DOMAIN, CARD_PAYLOAD_TYPE, MAX_CARD_BYTES } from '../protocol/cards/card.ts'
import { RENEW_PROTOCOL } from '../protocol/membership/ids.ts'
import { CERT_RENEW_CHECK_INTERVAL_MS, MEMBERSHIP_CERT_TTL_MS, MODEL_WATCH_INTERVAL_MS, RECONNECT_INTERVAL_MS } from './constants.ts'
import { sign, verify } from '../identity/keys.ts'
import { type EncryptionKeyPair } from '../protocol/e2e/index.ts'
import { PolicyEngine } from './policy/engine.ts'
import { kindsOpenToMembers } from './policy/describe.ts'
import { capSummary, withPeerId } from './cards/summary.ts'
import { AuditLog } from './audit/log.ts'
import { highWaterFile, highWaterPath } from './audit/high-water.ts'
import { Runtime, type RuntimeInit } from './runtime/runtime.ts'
import { TaskKindRegistry } from './tasks/registry.ts'
import { TaskExecutor, TaskRouter, type ExecutorInit, type RouterInit } from './tasks/index.ts'
import type { NodeMemory } from './memory/node-memory.ts'
import { mayRead } from './memory/read-permission.ts'
import { LocalServices } from './local-services.ts'
import { AddressBook } from './net/address-book.ts'
import { loadOrCreateEncryptionKeys, loadOrWritePolicy } from './home/home-files.ts'
import { DEFAULT_COLLECTION_CLASS, setCollectionClass } from './memory/classes.ts'
import type { DataClass } from '../protocol/task/messages.ts'
import { join } from 'node:path'

export interface MycelNodeInit extends StartFlags {
  home: string
  /** Decrypts the identity key (`MYCEL_PASSPHRASE`). */
  passphrase?: string
  env?: NodeJS.ProcessEnv
  /** @default ADMISSION_TIMEOUT_MS */
  admissionTimeoutMs?: number
  cards?: CardServiceInit
  /** @default CERT_RENEW_CHECK_INTERVAL_MS */
  renewCheckIntervalMs?: number
  /** Lifetime of certificates this node issues as admin. @default MEMBERSHIP_CERT_TTL_MS */
  certTtlMs?: number
  /** Local inference; `false` runs the node without it (no llm.* kinds). */
  runtime?: RuntimeInit | false
  executor?: ExecutorInit
  router?: RouterInit
  /** Registered model whose embeddings join BM25 in memory search. @default $MYCEL_EMBED_MODEL, else none (BM25 only) */
  embedModel?: string
}

export type { PeerSummary, StatusSummary }

/** Starts a node for the home; resolves once it listens, serves the API and has published its card. */
export async function createMycelNode (init: MycelNodeInit): Promise<MycelNode> {
  const node = new MycelNode(init)
  try {
    await node.start()
  } catch (err) {
    await node.stop().catch(() => {})
    throw err
  }
  return node
}

export class MycelNode {
  readonly paths: HomePaths
  readonly log: Logger
  private readonly init: MycelNodeInit
  private key!: Ed25519KeyPair
  private config!: NodeConfig
  private org!: OrgSettings
  private orgRoot!: Uint8Array
  private chain!: Uint8Array
  db?: NodeDb
  host?: MycelHost
  gate?: MembershipGate
  revocations?: RevocationStore
  cards?: CardService
  private joinServer?: JoinServer
  policy?: PolicyEngine
  audit?: AuditLog
  readonly tasks = new TaskKindRegistry()
  executor?: TaskExecutor
  router?: TaskRouter
  private encryptionKeys?: EncryptionKeyPair
  private local?: LocalServices
  private addressBook?: AddressBook
  private bootstrap: string[] = []
  private api?: ApiServer
  private apiUrl = ''
  private startedAt = 0
  private readonly timers: Array<ReturnType<typeof setInterval>> = []
  private stopping?: Promise<void>
  private readonly rtt = new Map<string, number>()

  constructor (init: MycelNodeInit) {
    this.init = init
    this.paths = homePaths(init.home)
    this.log = createLogger('mycel:node')
  }

  get peerId (): string { return peerIdFromPublicKey(this.key.publicKey) }
  get name (): string { return this.config.name }
  get orgSettings (): OrgSettings { return this.org }
  get isAdmin (): boolean { return this.org.admin }
  get apiAddress (): string { return this.apiUrl }
  get identityKey (): Ed25519KeyPair { return this.key }

  async start (): Promise<void> {
    this.startedAt = Date.now()
    const config = await loadNodeConfig(this.paths.nodeConfig)
    if (config == null) throw new NotInitializedError(this.paths.root)
    if (config.org == null) throw new NotJoinedError()
    this.config = config
    this.org = config.org
    this.key = await loadNodeKey(this.paths.identityKey, { ...(this.init.passphrase != null ? { passphrase: this.init.passphrase } : {}) })
    this.orgRoot = fromHex(this.org.root)
    this.chain = new Uint8Array(Buffer.from(this.org.chain, 'base64'))
    const opts = mergeStartOptions(config, this.init.env ?? process.env, this.init)

    // an invalid policy stops the node here, naming the line
    const policy = this.policy = new PolicyEngine({ logger: createLogger('mycel:node:policy') }, { policy: await loadOrWritePolicy(this.paths.policy) })
    this.encryptionKeys = await loadOrCreateEncryptionKeys(join(this.paths.root, 'encryption.key'), this.init.passphrase)

    const db = this.db = await openNodeDb(this.paths.dataDir)
    const audit = this.audit = new AuditLog({
      db: db.sublevel<string, Uint8Array>('audit', { valueEncoding: 'view' }) as any,
      sign: (bytes) => sign(this.key.secretKey, bytes),
      verify,
      publicKey: this.key.publicKey,
      highWater: highWaterFile(highWaterPath(this.paths.identityKey)),
      logger: createLogger('mycel:node:audit')
    })
    await audit.start()
    await audit.append({ type: 'node.start', actor: peerIdFromPublicKey(this.key.publicKey), data: { org: this.org.id } })
    const embedModel = this.init.embedModel ?? nonEmpty((this.init.env ?? process.env).MYCEL_EMBED_MODEL)
    const local = this.local = new LocalServices({
      paths: this.paths,
      tasks: this.tasks,
      logger: this.log,
      self: () => this.peerId,
      mayRead: mayRead({ groupsOf: (peerId) => this.gate?.member(peerId)?.groups, policy }),
      ...(this.init.runtime != null ? { runtime: this.init.runtime } : {}),
      ...(this.init.passphrase != null ? { passphrase: this.init.passphrase } : {}),
      ...(embedModel != null ? { embedModel } : {})
    })
    await local.start()
    const state = db.sublevel<string, Uint8Array>('state', { valueEncoding: 'view' })
    const revocations = this.revocations = new RevocationStore({
      logger: createLogger('mycel:node:revocations'),
      orgRoot: this.orgRoot,
      orgId: this.org.id,
      storage: {
        get: async () => await state.get('revocations'),
        put: async (bytes) => { await state.put('revocations', bytes) }
      }
    })
    await revocations.load()
    this.addressBook = new AddressBook({ store: { get: async (k) => await state.get(k), put: async (k, v) => { await state.put(k, v) } }, logger: this.log })

    const gate = this.gate = new MembershipGate({
      logger: createLogger('mycel:node:gate'),
      credentials: gateCredentials({ chain: () => this.chain, orgRoot: this.orgRoot, revocations })
    }, { ...(this.init.admissionTimeoutMs != null ? { admissionTimeoutMs: this.init.admissionTimeoutMs } : {}) })

    const host = this.host = await createHost({
      privateKey: toLibp2pPrivateKey(this.key),
      listen: opts.listen,
      orgId: this.org.id,
      swarmKey: pskToPnetKey(fromHex(this.org.psk)),
      connectionGater: gate.connectionGater
    })
    patchRegistrarMiddleware((host as unknown as { components: { registrar: { getMiddleware: (p: string) => unknown[] } } }).components.registrar)
    await host.start()
    await gate.start(host)

    revocations.start(host)
    revocations.addEventListener('updated', (evt) => {
      for (const id of evt.detail.peerIds) this.cards?.forget(id)
      void gate.enforceRevocations()
    })
    gate.addEventListener('revocations:behind', () => { /* the sync exchange on admission brings the newer list */ })

    if (this.org.admin) await this.startAdminServices(host, revocations)

    const executor = this.executor = new TaskExecutor({
      logger: createLogger('mycel:node:executor'),
      host,
      orgId: this.org.id,
      memberGroups: (peerId) => gate.member(peerId)?.groups,
      encryptionKeys: this.encryptionKeys,
      registry: this.tasks,
      policy,
      audit,
      classOf: (collection) => this.classOf(collection),
      seen: (() => { const seen = db.sublevel<string, Uint8Array>('seen', { valueEncoding: 'view' }); return { get: async (k: string) => await seen.get(k), put: async (k: string, v: Uint8Array) => { await seen.put(k, v) } } })()
    }, this.init.executor)
    await executor.start()
    this.router = new TaskRouter({
      logger: createLogger('mycel:node:router'),
      host,
      orgId: this.org.id,
      key: this.key,
      cards: () => this.cards?.cards().map(h => h.card).filter(c => c.peerId !== this.peerId) ?? [],
      memberGroups: (peerId) => gate.member(peerId)?.groups ?? this.cardGroups(peerId),
      rttMs: (peerId) => this.rtt.get(peerId),
      policy,
      audit,
      executor,
      registry: this.tasks,
      localModels: () => local.models.map(m => m.name),
      classOf: (collection) => this.classOf(collection)
    }, this.init.router)

    const cards = this.cards = new CardService({
      logger: createLogger('mycel:node:cards'),
      host,
      gate,
      orgId: this.org.id,
      chain: () => this.chain,
      content: () => this.cardContentNow(),
      sign: (payload) => encodeSignedRecord(signRecord(this.key, CARD_DOMAIN, CARD_PAYLOAD_TYPE, payload)),
      verifier: {
        openRecord: (bytes) => openSignedRecord(bytes, { domain: CARD_DOMAIN, payloadType: CARD_PAYLOAD_TYPE, maxBytes: MAX_CARD_BYTES + 512 }),
        peerIdOf: peerIdFromPublicKey,
        verifyMember: (chain, peerId) => verifyPeerMembership(chain, peerId, this.orgRoot, revocations),
        isRevoked: (peerId, serial) => revocations.isRevoked({ peerId, ...(serial != null ? { serial } : {}) })
      },
      revocations: () => revocations.bytes(),
      onRevocations: (bytes) => { void revocations.offer(bytes).catch(err => { this.log('ignored revocation list: %s', err.message) }) }
    }, this.init.cards)
    await cards.start()
    gate.guardProtocols()

    await this.startApi(opts.api)
    // members seen last time, so a restarted node (the founder included, which has no bootstrap list) finds the mesh again
    this.bootstrap = opts.bootstrap
    this.dialBootstrap([...this.bootstrap, ...await this.addressBook.load()])
    cards.addEventListener('card:updated', (evt) => { if (evt.detail.peerId !== this.peerId) this.addressBook?.update(this.otherMemberAddrs()) })
    this.timers.push(setInterval(() => { void this.maintain() }, this.init.renewCheckIntervalMs ?? CERT_RENEW_CHECK_INTERVAL_MS))
    this.timers.push(setInterval(() => { this.reconnect() }, RECONNECT_INTERVAL_MS))
    // `mycel models add/rm` edit the registry file while the node runs: pick changes up for the card
    this.timers.push(setInterval(() => { void this.watchModels() }, MODEL_WATCH_INTERVAL_MS))
    this.log('node %s started, listening on %s', this.peerId, host.getMultiaddrs().map(String).join(', '))
  }

  private async startAdminServices (host: MycelHost, revocations: RevocationStore): Promise<void> {
    const admin = this.adminCredentials()
    const ledger = this.db!.sublevel<string, Uint8Array>('invites', { valueEncoding: 'view' })
    this.joinServer = new JoinServer({
      logger: createLogger('mycel:node:join'),
      host,
      orgRoot: this.orgRoot,
      admin,
      revocations,
      ledger: levelInviteStore(ledger),
      memberAddrs: () => this.memberAddrs(),
      ...(this.init.certTtlMs != null ? { certTtlMs: this.init.certTtlMs } : {})
    })
    await this.joinServer.start()
    await host.handle(RENEW_PROTOCOL, async (stream, connection) => {
      await serveRenewal(stream, connection, {
        logger: createLogger('mycel:node:renew'),
        orgRoot: this.orgRoot,
        admin,
        revocations,
        ...(this.init.certTtlMs != null ? { certTtlMs: this.init.certTtlMs } : {})
      })
    })
  }

  private async watchModels (): Promise<void> {
    if (await this.local?.refresh() === true) await this.cards?.publish().catch(() => {})
  }

  /** Groups certified by the membership chain in a member's verified card. */
  private cardGroups (peerId: string): string[] | undefined {
    const card = this.cards?.card(peerId)
    if (card == null || this.revocations == null) return undefined
    try {
      return verifyPeerMembership(card.cert, peerId, this.orgRoot, this.revocations).groups
    } catch {
      return undefined
    }
  }

  /** The memory store and conversations, once started. */
  get memory (): NodeMemory | undefined { return this.local?.memory }

  /** The local inference runtime, unless the node runs without one. */
  get runtime (): Runtime | undefined { return this.local?.runtime }

  /** The data class of a memory collection (`collections.json`; `internal` by default). */
  classOf (collection: string): DataClass {
    return this.local?.classOf(collection) ?? DEFAULT_COLLECTION_CLASS
  }

  /** Re-reads collections and their classes for the card. */
  async refreshCollections (): Promise<void> {
    await this.local?.memory?.refresh()
  }

  private adminCredentials (): { key: Ed25519KeyPair, cert: Uint8Array } {
    if (!this.org.admin || this.org.adminCert == null) throw new NotAdminError()
    return { key: this.key, cert: new Uint8Array(Buffer.from(this.org.adminCert, 'base64')) }
  }

  private async startApi (address: string): Promise<void> {
    const token = randomBytes(32).toString('hex')
    const api = this.api = createApiServer({ token, logger: createLogger('mycel:node:api') }, this.apiModules())
    const idx = address.lastIndexOf(':')
    const hostPart = idx > 0 ? address.slice(0, idx) : '127.0.0.1'
    const port = Number(idx > 0 ? address.slice(idx + 1) : address)
    const bound = await api.listen(hostPart, port)
    this.apiUrl = `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`
    await writeFileAtomic(this.paths.api, new TextEncoder().encode(JSON.stringify({ url: this.apiUrl, token, pid: process.pid }) + '\n'), { mode: 0o600 })
  }

  /** What the HTTP side may use of this node (see `ApiModules`); built once the services exist. */
  private apiModules (): ApiModules {
    const router = this.router as TaskRouter
    const executor = this.executor as TaskExecutor
    const policy = this.policy as PolicyEngine
    const audit = this.audit as AuditLog
    return {
      node: { status: () => this.status(), peers: async () => await this.peers(), caps: () => this.caps() },
      admin: {
        revoke: async (peerId, opts) => await this.revoke(peerId, opts),
        createInvite: async (req) => {
          const admin = this.adminCredentials()
          const { addrs, ...rest } = req
          const created = await issueInvite({ admin: admin.key, adminCert: admin.cert, psk: fromHex(this.org.psk), addrs: addrs ?? inviteAddrs(this.status().addresses), ...rest }, this.invites)
          return { invite: created.invite, inviteId: created.inviteId, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups }
        },
        listInvites: async () => {
          this.adminCredentials()
          return this.invites == null ? [] : await listInvites(this.invites, (inviteId) => this.revocations?.isRevoked({ inviteId }) ?? false)
        },
        revokeInvite: async (inviteId) => await revokeInvite({ admin: this.adminCredentials(), revocations: this.revocations! }, inviteId)
      },
      cards: { republish: async () => { const card = await this.cards?.publish(); return card == null ? undefined : { seq: card.seq } } },
      tasks: {
        run: async (spec) => await router.run(spec),
        list: () => [...router.list(), ...executor.list()],
        // a task this node delegated is canceled through its router, which tells the executor
        cancel: (taskId) => executor.cancel(taskId) || router.cancel(taskId)
      },
      policy: { current: () => policy.policy },
      audit: { tail: async (n) => await audit.tail(n), verify: async () => await audit.verify() },
      memory: {
        store: () => this.memory?.store,
        classOf: (collection) => this.classOf(collection),
        setClass: async (collection, dataClass) => {
          await setCollectionClass(join(this.paths.root, 'collections.json'), collection, dataClass)
          await this.refreshCollections()
        },
        refresh: async () => { await this.refreshCollections() }
      }
    }
  }

  private cardContentNow (): CardContent {
    const hw = this.runtime?.hardware()
    const load = this.executor?.load() ?? { running: 0, queued: 0, slots: 0 }
    const kinds = this.tasks.kinds()
    return {
      name: this.config.name,
      taskKinds: kinds,
      models: this.local?.models.slice(0, 64) ?? [],
      tools: [],
      collections: this.local?.memory?.advertisedCollections() ?? [],
      hardware: {
        backend: hw?.backend ?? 'cpu',
        ...(hw?.gpuName != null ? { gpuName: hw.gpuName } : {}),
        ...(hw?.vramTotalBytes != null ? { vramBytes: hw.vramTotalBytes } : {}),
        cpuCores: hw?.cpuCores ?? cpus().length,
        ramBytes: hw?.ramBytes ?? totalmem(),
        slots: load.slots
      },
      load,
      encryptionKey: this.encryptionKeys?.publicKey ?? new Uint8Array(32),
      roles: this.org.admin ? ['admin'] : [],
      policy: { kinds: this.policy != null ? kindsOpenToMembers(this.policy.policy, kinds) : [] }
    }
  }

  /** Multiaddrs of this node and the members it holds cards of. */
  memberAddrs (): string[] {
    const own = this.host?.getMultiaddrs().map(String) ?? []
    const others = this.cards?.cards().flatMap(h => h.card.addrs.map(a => withPeerId(a, h.card.peerId))) ?? []
    return [...new Set([...own, ...others])]
  }

  private dialBootstrap (addrs: string[]): void {
    const host = this.host
    if (host == null) return
    for (const a of addrs) {
      let ma
      try { ma = multiaddr(a) } catch { this.log('ignoring malformed bootstrap address %s', a); continue }
      if (ma.getComponents().some(c => c.name === 'p2p' && c.value === this.peerId)) continue
      void host.dial(ma, { signal: AbortSignal.timeout(10_000) }).catch(err => { this.log('bootstrap dial %s failed: %s', a, err.message) })
    }
  }

  /** Addresses of the other members this node holds cards of. */
  private otherMemberAddrs (): string[] {
    const own = new Set(this.host?.getMultiaddrs().map(String) ?? [])
    return this.memberAddrs().filter(a => !own.has(a) && !a.endsWith(`/p2p/${this.peerId}`))
  }

  /** Periodic upkeep: drop members whose certificates expired, renew our own. */
  private async maintain (): Promise<void> {
    try {
      await this.gate?.enforceExpiry()
      await this.renewIfDue()
    } catch (err) {
      this.log('maintenance failed: %s', (err as Error).message)
    }
  }

  /**
   * Dials bootstrap and remembered members this node is not connected to.
   * Being connected to some members is not enough: the one we miss may hold
   * the newer revocation list or cards.
   */
  private reconnect (): void {
    const host = this.host
    if (host == null) return
    const connected = new Set(host.getConnections().map(c => c.remotePeer.toString()))
    const addrs = [...this.bootstrap, ...this.addressBook?.list() ?? []]
    this.dialBootstrap(addrs.filter(a => {
      const id = /\/p2p\/([^/]+)$/.exec(a)?.[1]
      return id == null || !connected.has(id)
    }))
  }

  /** Renews this node's certificate when less than half its lifetime is left. Returns whether it renewed. */
  async renewIfDue (force = false): Promise<boolean> {
    const renewed = await renewChain({
      chain: this.chain,
      orgRoot: this.orgRoot,
      self: this.peerId,
      force,
      ...(this.org.admin ? { admin: this.adminCredentials() } : {}),
      certTtlMs: this.init.certTtlMs ?? MEMBERSHIP_CERT_TTL_MS,
      admins: this.cards?.cards().filter(h => h.card.roles.includes('admin')).map(h => h.card.peerId) ?? [],
      isMember: (peerId) => this.gate?.isMember(peerId) ?? false,
      dial: async (p, proto, o) => await this.host!.dialProtocol(p, proto, o),
      logger: this.log
    })
    if (renewed == null) return false
    await this.adoptChain(renewed)
    return true
  }

  private async adoptChain (chain: Uint8Array): Promise<void> {
    const verified = verifyMembershipChain(chain, { orgRoot: this.orgRoot })
    this.chain = chain
    this.org = { ...this.org, chain: Buffer.from(chain).toString('base64'), groups: verified.groups, certExpiresAt: verified.notAfter }
    this.config = { ...this.config, org: this.org }
    await saveNodeConfig(this.paths.nodeConfig, this.config)
    // members hold the expiry of the chain we presented on connect: show them the new one, or they drop us at the old expiry
    await this.gate?.announce()
    await this.cards?.publish()
    this.log('membership certificate renewed until %s', new Date(verified.notAfter).toISOString())
  }

  /** Revokes a member and the invites it redeemed (admins only): signs a new revocation list and spreads it. */
  async revoke (peerId: string, opts: RevokeMemberInit = {}): Promise<RevokeMemberResult> {
    peerIdFromString(peerId)
    return await revokeMember({
      self: this.peerId,
      admin: this.adminCredentials(),
      revocations: this.revocations!,
      members: () => this.gate?.listMembers() ?? [],
      ...(this.joinServer != null ? { invites: this.joinServer.invites } : {})
    }, peerId, opts)
  }

  /** The invites this admin node issued and who redeemed them; undefined on other nodes. */
  get invites (): InviteBook | undefined { return this.joinServer?.invites }

  status (): StatusSummary {
    return {
      peerId: this.peerId,
      name: this.config.name,
      org: { name: this.org.name, id: this.org.id },
      addresses: this.host?.getMultiaddrs().map(String) ?? [],
      api: this.apiUrl,
      peers: this.gate?.listMembers().length ?? 0,
      uptimeMs: Date.now() - this.startedAt,
      groups: this.org.groups,
      certExpiresAt: this.org.certExpiresAt,
      admin: this.org.admin,
      cards: { known: this.cards?.cards().length ?? 0, rejected: this.cards?.rejectedCounts() ?? {} },
      revocationSeq: this.revocations?.seq() ?? 0
    }
  }

  /** Connected, admitted members with a fresh round-trip time where ping answers. */
  async peers (): Promise<PeerSummary[]> {
    const host = this.host
    const gate = this.gate
    if (host == null || gate == null) return []
    const members = gate.listMembers().filter(m => host.getConnections(peerIdFromString(m.peerId)).length > 0)
    await Promise.all(members.map(async m => {
      try {
        this.rtt.set(m.peerId, await host.services.ping.ping(peerIdFromString(m.peerId), { signal: AbortSignal.timeout(2000) }))
      } catch {}
    }))
    return members.map(m => {
      const card = this.cards?.card(m.peerId)
      const conns = host.getConnections(peerIdFromString(m.peerId)).map(c => withPeerId(c.remoteAddr.toString(), m.peerId))
      return {
        peerId: m.peerId,
        name: card?.name ?? null,
        addresses: [...new Set([...conns, ...(card?.addrs.map(a => withPeerId(a, m.peerId)) ?? [])])],
        rttMs: this.rtt.get(m.peerId) ?? null,
        groups: m.groups
      }
    })
  }

  caps (): Array<Record<string, unknown>> {
    return (this.cards?.cards() ?? []).map(({ card }) => capSummary(card, this.peerId))
  }

  /** Stops everything in reverse order; safe to call twice. */
  async stop (): Promise<void> {
    this.stopping ??= this.doStop()
    await this.stopping
  }

  private async doStop (): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    if (this.host != null) this.addressBook?.update(this.otherMemberAddrs())
    await this.addressBook?.flush()
    // ends open streams with a last error line and cuts slow bodies, within a bounded time
    await this.api?.close().catch(() => {})
    await rm(this.paths.api, { force: true }).catch(() => {})
    await this.executor?.stop()
    await this.cards?.stop()
    this.revocations?.stop()
    await this.local?.stop()
    if (this.audit != null) {
      await this.audit.append({ type: 'node.stop', actor: this.peerId }).catch(() => {})
      await this.audit.stop().catch(() => {})
    }
    await this.joinServer?.stop().catch(() => {})
    await this.gate?.stop()
    try { await this.host?.stop() } catch {}
    await this.db?.close().catch(() => {})
    this.log('node stopped')
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.stop()
  }
}

function nonEmpty (v: string | undefined): string | undefined {
  return v == null || v === '' ? undefined : v
}
