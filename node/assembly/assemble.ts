/**
 * Build, then construct. `createMycelNode` takes the home's lock, loads
 * what the home holds, opens each resource with its teardown registered
 * right beside it (an `AsyncDisposableStack`), builds every service from its
 * own factory over the components it uses, and only then constructs the
 * `MycelNode` facade over the finished services. The `Lifecycle` starts them
 * in order; stopping runs them backwards, then the stack closes the
 * databases and releases the home (removing `api.json` last, so an offline
 * command never finds the database still held).
 */
import { addressInUse } from './errors.ts'
import { loadNodeKey } from '../../identity/keystore.ts'
import { peerIdFromPublicKey, toLibp2pPrivateKey } from '../../identity/peer-id.ts'
import { pskToPnetKey } from '../../identity/psk.ts'
import { sign, verify } from '../../identity/keys.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from '../../identity/signed-record.ts'
import { CARD_DOMAIN, CARD_PAYLOAD_TYPE, MAX_CARD_BYTES, type CapabilityCard } from '../../protocol/cards/card.ts'
import { JOIN_PROTOCOL, MEMBERSHIP_PROTOCOL } from '../../protocol/membership/ids.ts'
import { createLogger } from '../logger.ts'
import { homePaths } from '../home/home.ts'
import { loadNodeConfig, mergeStartOptions, NotInitializedError, NotJoinedError, saveNodeConfig, type StartFlags } from '../home/config.ts'
import { kvStore, openNodeDb, type KvStore } from '../home/db.ts'
import { loadOrCreateEncryptionKeys, loadOrWritePolicy } from '../home/home-files.ts'
import { loadOrgPsk } from '../home/psk.ts'
import { toHex } from '../../identity/bytes.ts'
import { lockHome } from '../home/lock.ts'
import { createHost, type MycelHost } from '../net/host.ts'
import { addressBook } from '../net/address-book.ts'
import { dialer } from '../net/dialer.ts'
import { memberAddrs } from '../net/addresses.ts'
import { rttOf } from '../net/peers.ts'
import { Admission } from '../membership/admission.ts'
import { membershipGate } from '../membership/gate.ts'
import { revocationEnforcement } from '../membership/enforcement.ts'
import { gateCredentials, memberGroups, NodeCredentials, verifyPeerMembership } from '../membership/credentials.ts'
import { RevocationStore } from '../membership/revocation-store.ts'
import { CatalogStore, modelGate } from '../catalog/index.ts'
import { JoinServer } from '../membership/join-server.ts'
import { levelInviteStore, type InviteBook, type InviteStore } from '../membership/invite-book.ts'
import { highWaterFile, highWaterPath } from '../audit/high-water.ts'
import { certificateRenewal, renewalServer } from '../membership/renewal.ts'
import { cardService, type CardService, type CardServiceInit } from '../cards/card-service.ts'
import { cardContent, contentWatch } from '../cards/content.ts'
import { PolicyEngine } from '../policy/engine.ts'
import { livePolicy } from '../policy/live.ts'
import { ObservedAuditLog } from '../metrics/observed-audit-log.ts'
import { taskLog, type TaskOutcome } from '../metrics/task-log.ts'
import type { RuntimeInit } from '../runtime/runtime.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import { TaskKindRegistry } from '../tasks/registry.ts'
import { levelReplayStore, TaskExecutor, TaskRouter, type ExecutorInit, type RouterInit } from '../tasks/index.ts'
import { echoKind } from '../tasks/kinds/echo.ts'
import { llmKinds } from '../tasks/kinds/llm.ts'
import { MycelNode, type NodeServices } from '../mycel-node.ts'
import { localInference } from './inference.ts'
import { openLocalMemory, localMeshMemory } from './memory.ts'
import { openLocalTools } from './tools.ts'
import { nodeGuard } from './guard.ts'
import { runtimeReader } from '../guard/index.ts'
import { policyAgentDecision } from '../tasks/chain/index.ts'
import { loadSignals } from './load.ts'
import type { LoadBeatInit } from '../load/index.ts'
import { openLocalSources } from './sources.ts'
import type { SourcesInit } from '../sources/index.ts'
import { openLocalAgents } from './agents.ts'
import { localSessions } from './sessions.ts'
import { controlApi } from './control-api.ts'
import { nodeWitness } from './witness.ts'
import type { WitnessInit } from '../witness/index.ts'
import { cloudFallback, cloudPaths } from '../cloud/index.ts'
import { registerRoutes } from './routes.ts'
import { Lifecycle, type Startable } from './lifecycle.ts'

export interface MycelNodeInit extends StartFlags {
  home: string
  /** Decrypts the identity key (`MYCEL_PASSPHRASE`). */
  passphrase?: string
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default ADMISSION_TIMEOUT_MS */
  admissionTimeoutMs?: number
  cards?: CardServiceInit
  /** @default CERT_RENEW_CHECK_INTERVAL_MS */
  renewCheckIntervalMs?: number
  /** Lifetime of certificates this node issues as admin. @default MEMBERSHIP_CERT_TTL_MS */
  certTtlMs?: number
  /** Local inference; `false` runs the node without it (no llm.* kinds). @default {} */
  runtime?: RuntimeInit | false
  executor?: ExecutorInit
  router?: RouterInit
  /** Load beats: interval while the load changes, and when idle. */
  load?: LoadBeatInit
  /** Called once per finished task with its kind, role, peer, state and duration (never content). @default none */
  onTask?: (task: TaskOutcome) => void
  /** Registered model whose embeddings join BM25 in memory search. @default $MYCEL_EMBED_MODEL, else the first registered embedding model, else none (BM25 only) */
  embedModel?: string
  /** How often and how soon this node offers its audit checkpoints to the members who witness them. */
  witness?: WitnessInit
  /** How sources poll and debounce (`mycel sources`). */
  sources?: SourcesInit
}

/** Starts a node for the home; resolves once it listens, serves the API and has published its card. */
export async function createMycelNode (init: MycelNodeInit): Promise<MycelNode> {
  const resources = new AsyncDisposableStack()
  try {
    const { node, lifecycle } = await assemble(init, resources)
    await lifecycle.start()
    return node
  } catch (err) {
    await resources.disposeAsync()
    throw addressInUse(err) ?? err
  }
}

async function assemble (init: MycelNodeInit, resources: AsyncDisposableStack): Promise<{ node: MycelNode, lifecycle: Lifecycle }> {
  const paths = homePaths(init.home)
  const env = init.env ?? process.env
  const log = createLogger('mycel:node')
  const secret = init.passphrase != null ? { passphrase: init.passphrase } : {}
  const config = await loadNodeConfig(paths.nodeConfig)
  if (config == null) throw new NotInitializedError(paths.root)
  const org = config.org
  if (org == null) throw new NotJoinedError()
  // before anything is opened or written: a second start on this home stops here, touching nothing
  const lock = await lockHome(paths)
  resources.defer(async () => { await lock.release() })

  const key = await loadNodeKey(paths.identityKey, secret)
  const self = peerIdFromPublicKey(key.publicKey)
  // out of node.json into its own sealed file, once; in memory from here on (saveNodeConfig never writes it)
  const meshKey = await loadOrgPsk(paths, config, init.passphrase)
  if (meshKey.migrated) log('moved the mesh key into %s (%s)', paths.orgPsk, meshKey.encrypted ? 'sealed with the passphrase' : 'in clear, mode 0600: set MYCEL_PASSPHRASE to seal it')
  org.psk = toHex(meshKey.psk)
  const credentials = new NodeCredentials({ key, config: { ...config, org }, save: async (c) => { await saveNodeConfig(paths.nodeConfig, c) } })
  const opts = mergeStartOptions(config, env, init)
  // an invalid policy stops the node here, naming the line
  const policy = new PolicyEngine({ logger: createLogger('mycel:node:policy') }, { policy: await loadOrWritePolicy(paths.policy), self: self.toString() })
  const encryptionKeys = await loadOrCreateEncryptionKeys(paths.encryptionKey, init.passphrase)

  const db = await openNodeDb(paths.dataDir)
  resources.defer(async () => { await db.close() })
  const state = kvStore(db, 'state')
  // observed: `/metrics` follows the audit log (see metrics/)
  const audit = new ObservedAuditLog({
    db: db.sublevel<string, Uint8Array>('audit', { valueEncoding: 'view' }) as any,
    sign: (bytes) => sign(key.secretKey, bytes),
    verify,
    publicKey: key.publicKey,
    // beside the key, outside the data folder: a rolled-back or wiped log cannot take it along
    highWater: highWaterFile(highWaterPath(paths.identityKey)),
    logger: createLogger('mycel:node:audit')
  })
  const revocations = new RevocationStore({
    logger: createLogger('mycel:node:revocations'),
    orgRoot: credentials.orgRoot,
    orgId: org.id,
    storage: { get: async () => await state.get('revocations'), put: async (bytes) => { await state.put('revocations', bytes) } }
  })
  /** Whether the org's revocation list names this node or its certificate. */
  const selfRevoked = (): boolean => revocations.isRevoked({ peerId: self, serial: credentials.serial })
  // read before the host exists, so its connection gater refuses revoked peers from the first connection
  await revocations.load()
  // the org's signed model catalog; with policy `models.require: "approved"` only its files run here
  const catalog = new CatalogStore({
    logger: createLogger('mycel:node:catalog'),
    orgRoot: credentials.orgRoot,
    orgId: org.id,
    storage: { get: async () => await state.get('model-catalog'), put: async (bytes) => { await state.put('model-catalog', bytes) } }
  })
  await catalog.load()

  const admission = new Admission({ isRevoked: (peerId, serial) => revocations.isRevoked({ peerId, ...(serial != null ? { serial } : {}) }) }, {
    ...(init.admissionTimeoutMs != null ? { admissionTimeoutMs: init.admissionTimeoutMs } : {})
  })
  const host = await createHost({
    privateKey: toLibp2pPrivateKey(key),
    listen: opts.listen,
    orgId: org.id,
    swarmKey: pskToPnetKey(meshKey.psk),
    connectionGater: admission.connectionGater,
    guard: { middleware: admission.middleware, open: [MEMBERSHIP_PROTOCOL, JOIN_PROTOCOL] }
  })
  const gate = membershipGate()({
    logger: createLogger('mycel:node:gate'),
    credentials: gateCredentials({ chain: () => credentials.chain, orgRoot: credentials.orgRoot, revocations }),
    admission,
    host
  })

  const tasks = new TaskKindRegistry()
  tasks.register(echoKind())
  const inference = localInference(init.runtime ?? {})({
    modelsDir: paths.modelsDir,
    tasks,
    logger: log,
    modelGate: modelGate({
      digestOf: async (model) => await inference.registry.resolve(model).then(m => m.sha256, () => undefined),
      requireApproved: () => policy.policy.models.require === 'approved',
      approved: (sha256) => catalog.approved(sha256) != null
    })
  })
  if (inference.runtime != null) for (const kind of llmKinds(inference.runtime, inference.modelGate)) tasks.register(kind)
  const memory = await openLocalMemory({
    paths,
    ...secret,
    embedModel: init.embedModel ?? nonEmpty(env.MYCEL_EMBED_MODEL),
    inference,
    tasks,
    self,
    logger: log,
    // connected members only, as the executor's own policy check
    mayReadComponents: { groupsOf: (peerId) => gate.member(peerId)?.groups, policy }
  })
  resources.defer(async () => { await memory.close() })

  const tools = await openLocalTools({ paths, tasks, self, policy, memberGroups: (peerId) => gate.member(peerId)?.groups, audit, logger: log })
  const toolClassOf = (tool: string): DataClass | undefined => tools.registry.get(tool)?.dataClass
  // results that would carry restricted memory text to a delegator are refused (node/guard)
  const guard = nodeGuard({ memory, audit, self, mayReadComponents: { groupsOf: (peerId) => gate.member(peerId)?.groups, policy } })
  // the card lists the agents: a change publishes it again (the card service exists by then)
  const agents = openLocalAgents({ db, root: paths.root, ...secret, nodeKey: key, self: self.toString(), audit, tasks, logger: log, onChange: () => { void cards.publish().catch(err => { log('card republish after an agent change failed: %s', (err as Error).message) }) } })

  const executor = new TaskExecutor({
    logger: createLogger('mycel:node:executor'),
    host,
    orgId: org.id,
    memberGroups: (peerId) => gate.member(peerId)?.groups,
    encryptionKeys,
    registry: tasks,
    policy,
    audit,
    classOf: (collection) => memory.classOf(collection),
    toolClassOf,
    seen: levelReplayStore(db),
    outputCheck: guard.output,
    // a member named on a delegation chain need not be connected here: its verified card vouches for its groups
    chainGroupsOf: (peerId) => groupsOf(peerId),
    // an agent on a chain has its node's rights, less what a rule naming it denies
    agentDecision: policyAgentDecision({ self: () => self.toString(), policy, groupsOf: (peerId) => groupsOf(peerId) }),
    // only a delegator that handles the load protocol reads `load` on responses (older ones refuse the key)
    readsLoad: (peerId) => load.beats.readsLoad(peerId)
  }, init.executor)

  const cards = cardService(init.cards)({
    logger: createLogger('mycel:node:cards'),
    host,
    gate,
    orgId: org.id,
    chain: () => credentials.chain,
    content: cardContent({
      name: credentials.name,
      kinds: () => tasks.kinds(),
      models: () => inference.cardModels(),
      collections: () => memory.advertisedCollections(),
      tools: () => tools.cardTools(),
      agents: () => agents.service.cardAgents(),
      hardware: () => inference.hardware(),
      load: () => executor.load(),
      encryptionKey: encryptionKeys.publicKey,
      admin: org.admin,
      policy: () => policy.policy
    }),
    sign: (payload) => encodeSignedRecord(signRecord(key, CARD_DOMAIN, CARD_PAYLOAD_TYPE, payload)),
    verifier: {
      openRecord: (bytes) => openSignedRecord(bytes, { domain: CARD_DOMAIN, payloadType: CARD_PAYLOAD_TYPE, maxBytes: MAX_CARD_BYTES + 512 }),
      peerIdOf: peerIdFromPublicKey,
      verifyMember: (chain, peerId) => verifyPeerMembership(chain, peerId, credentials.orgRoot, revocations),
      isRevoked: (peerId, serial) => revocations.isRevoked({ peerId, ...(serial != null ? { serial } : {}) })
    },
    revocations: () => revocations.bytes(),
    onRevocations: (bytes) => { void revocations.offer(bytes).catch(err => { log('ignored revocation list: %s', err.message) }) },
    catalog: () => catalog.bytes(),
    onCatalog: (bytes) => { void catalog.offer(bytes).catch(err => { log('ignored model catalog: %s', err.message) }) }
  })
  const otherCards = (): CapabilityCard[] => cards.cards().map(h => h.card).filter(c => c.peerId !== self)
  const groupsOf = memberGroups({ gate, cards, orgRoot: credentials.orgRoot, revocations })
  // the one door out of the org: a task no member offers, if the policy lets its kind and class leave
  const cloud = cloudFallback()({ logger: createLogger('mycel:node:cloud'), policy, audit, self: self.toString(), paths: cloudPaths(paths.root), ...secret, env })
  const router = new TaskRouter({
    logger: createLogger('mycel:node:router'),
    host,
    orgId: org.id,
    key,
    cards: otherCards,
    memberGroups: groupsOf,
    rttMs: (peerId) => rttOf(host, peerId),
    policy,
    audit,
    executor,
    registry: tasks,
    localModels: () => inference.models.map(m => m.name),
    localModelDigest: (model) => inference.models.find(m => m.name === model)?.sha256,
    classOf: (collection) => memory.classOf(collection),
    holdsCollection: (collection) => memory.holds(collection),
    toolClassOf,
    revoked: selfRevoked,
    fallback: cloud
  }, init.router)
  const load = loadSignals({ host, gate, key, orgId: org.id, router, load: () => executor.load(), rates: () => inference.runtime?.decodeRates() ?? [], isMember: (peerId) => groupsOf(peerId) != null }, init.load)

  // chat with memory: history in the node's database, turns through the router
  const sessions = localSessions({ self: self.toString(), db, router, localModels: () => inference.models, cards: otherCards, logger: createLogger('mycel:node:sessions'), agentProfile: (name) => { const p = agents.service.get(name); return p == null ? undefined : { model: p.model, ...(p.system != null ? { system: p.system } : {}) } } })

  const renewal = certificateRenewal({
    ...(init.renewCheckIntervalMs != null ? { checkIntervalMs: init.renewCheckIntervalMs } : {}),
    ...(init.certTtlMs != null ? { certTtlMs: init.certTtlMs } : {})
  })({ logger: createLogger('mycel:node:renew'), credentials, gate, cards, host })
  const book = addressBook()({ store: state, logger: log })
  const api = controlApi({ address: opts.api })({ lock, logger: createLogger('mycel:node:api') })

  const admin = org.admin ? adminServices(credentials, host, revocations, cards, levelInviteStore(db.sublevel<string, Uint8Array>('invites', { valueEncoding: 'view' })), init.certTtlMs) : null
  // edits to policy.json apply while the node runs; the card summarises the policy, so it is signed anew
  const policyFile = livePolicy({ path: paths.policy })({
    engine: policy, logger: createLogger('mycel:node:policy'), audit, self: self.toString(), onChange: async () => await cards.publish()
  })
  const meshMemory = localMeshMemory({ self: self.toString(), name: () => credentials.name, memory, cards: otherCards, memberGroups: groupsOf, policy, router, logger: createLogger('mycel:node:mesh-memory') })
  const mesh = tools.mesh({ selfName: credentials.name, cards: otherCards, memberGroups: groupsOf, router })
  // quarantined tool text is read by a tool-less call on this node's own model (node/guard)
  const runtime = inference.runtime
  agents.connect({ router, tools: mesh, cards: otherCards, memberGroups: groupsOf, policy, ...(runtime != null ? { reader: (model: string) => runtimeReader(runtime, model) } : {}) })
  // members hold each other's checkpoints: a node cannot roll back or rewrite its log alone
  const { witness, verifyPeers } = nodeWitness({ db, host, gate, audit, self: self.toString(), publicKey: key.publicKey, verify }, init.witness)
  const { sources, forget } = openLocalSources({ paths, db, memory, tasks, audit, self: self.toString(), cards: otherCards, router, ...(init.sources != null ? { sources: init.sources } : {}) })
  const services: NodeServices = { sources, forget, credentials, host, gate, revocations, renewal, cards, policy, policyFile, audit, witness, verifyPeers, tasks, executor, router, loadBeats: load.beats, memory, meshMemory, sessions, tools: mesh, agents: agents.service, runtime: inference.runtime, modelRegistry: inference.registry, catalog, invites: admin?.invites ?? null }
  const lifecycle = new Lifecycle([
    ['audit', {
      start: async () => { await audit.start(); await audit.append({ type: 'node.start', actor: self, data: { org: org.id } }) },
      // the last entry, then the final checkpoint
      stop: async () => { await audit.append({ type: 'node.stop', actor: self }).catch(() => {}); await audit.stop() }
    }],
    // one line per task on DEBUG=mycel:task and to init.onTask, from the audit log as /metrics counts them
    ['task-log', taskLog({ ...(init.onTask != null ? { onTask: init.onTask } : {}) })({ audit, logger: createLogger('mycel:task') })],
    ['inference', inference],
    // the membership handler is in place before the host listens
    ['gate', gate],
    ['host', host],
    ['revocations', revocationEnforcement()({ revocations, host, gate, cards })],
    ['catalog', { start: () => { catalog.start(host) }, stop: () => { catalog.stop() } }],
    // providers are up (one attempt each) before the executor takes tasks, and stop after it
    ['tools', tools.service],
    // the passage index is built before the executor sends anything
    ['guard', guard],
    // profiles are read before the executor takes an agent.run and before the card lists them
    ['agents', agents.service],
    ['executor', executor],
    ['witness', witness],
    ...admin?.services ?? [],
    ['cards', cards],
    ['tool-cards', tools.republish(cards)],
    ['renewal', renewal],
    ['address-book', book],
    ['dialer', dialer({ bootstrap: opts.bootstrap, selfRevoked })({ host, addressBook: book, cards, logger: log })],
    ['policy-file', policyFile],
    // after the executor and the cards: a first sync's collections reach the card through the content watch
    ['sources', sources],
    ['content-watch', contentWatch()({ sources: [async () => await inference.refresh(), async () => await memory.refreshChanged()], cards })],
    // at shutdown, every task being routed ends with an error line for its caller while the API stops accepting
    // beats start once the host listens and the executor runs; they feed the router
    ['load', load.service],
    ['router', { start: () => {}, beforeStop: async () => { await router.stop() }, stop: () => {} }],
    // after the router: a turn in flight at shutdown has failed before its session closes
    ['sessions', sessions],
    ['api', api]
  ], log)

  let stopping: Promise<void> | undefined
  const node = new MycelNode({
    paths,
    services,
    apiUrl: () => api.url,
    stop: async () => {
      stopping ??= (async () => { await lifecycle.stop(); await resources.disposeAsync(); log('node stopped') })()
      await stopping
    }
  })
  registerRoutes(api.server, node, paths)
  return { node, lifecycle }
}

/** What only an admin node serves: redeeming invites and renewing certificates. */
function adminServices (credentials: NodeCredentials, host: MycelHost, revocations: RevocationStore, cards: CardService, ledger: InviteStore, certTtlMs: number | undefined): { services: Array<readonly [string, Startable]>, invites: InviteBook } {
  const ttl = certTtlMs != null ? { certTtlMs } : {}
  const join = new JoinServer({ logger: createLogger('mycel:node:join'), host, orgRoot: credentials.orgRoot, admin: credentials.admin(), revocations, ledger, memberAddrs: () => memberAddrs(host, cards), ...ttl })
  return {
    services: [
      ['join', join],
      ['renewal-server', renewalServer(ttl)({ logger: createLogger('mycel:node:renew'), host, credentials, revocations })]
    ],
    invites: join.invites
  }
}

function nonEmpty (v: string | undefined): string | undefined {
  return v == null || v === '' ? undefined : v
}
