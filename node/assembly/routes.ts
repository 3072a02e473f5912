/**
 * The modules the HTTP side may use (`ApiModules`, `api/modules.ts`),
 * built from the node's finished services and its facade, and registered
 * on the node's API server: the control API, `/v1`, MCP and the dashboard.
 * No route sees the node or a service beyond its module.
 */
import type { ApiServer } from '../api/server.ts'
import type { ApiModules, CatalogEntrySummary, ModelSummary } from '../api/modules.ts'
import type { CatalogStore } from '../catalog/catalog-store.ts'
import { inviteAddrs } from '../api/invites.ts'
import { issueInvite, listInvites } from '../membership/invites.ts'
import { revokeInvite } from '../membership/revoke.ts'
import { registerApi } from '../http/index.ts'
import { setCollectionClass } from '../memory/classes.ts'
import { pskOf } from '../home/psk.ts'
import { sign } from '../../identity/keys.ts'
import type { RegisteredModel } from '../runtime/registry.ts'
import type { HomePaths } from '../home/home.ts'
import type { MycelNode } from '../mycel-node.ts'
import { traceTask } from '../audit/trace.ts'

export function registerRoutes (server: ApiServer, node: MycelNode, paths: Pick<HomePaths, 'collections'>): void {
  registerApi(server, apiModules(node, paths))
}

export function apiModules (node: MycelNode, paths: Pick<HomePaths, 'collections'>): ApiModules {
  const { credentials, cards, router, executor, policy, policyFile, audit, verifyPeers, memory, meshMemory, revocations, invites, runtime, modelRegistry, tools, catalog, agents, sessions } = node.services
  return {
    node: { status: () => node.status(), peers: async () => await node.peers(), caps: () => node.caps() },
    admin: {
      revoke: async (peerId, opts) => await node.revoke(peerId, opts),
      createInvite: async (req) => {
        const admin = credentials.admin()
        const { addrs, ...rest } = req
        const created = await issueInvite({ admin: admin.key, adminCert: admin.cert, psk: pskOf(credentials.org), addrs: addrs ?? inviteAddrs(node.status().addresses), ...rest }, invites ?? undefined)
        return { invite: created.invite, inviteId: created.inviteId, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups }
      },
      listInvites: async () => {
        credentials.admin()
        return invites == null ? [] : await listInvites(invites, (inviteId) => revocations.isRevoked({ inviteId }))
      },
      revokeInvite: async (inviteId) => await revokeInvite({ admin: credentials.admin(), revocations }, inviteId)
    },
    cards: { republish: async () => ({ seq: (await cards.publish()).seq }) },
    tasks: {
      run: async (spec) => await router.run(spec),
      list: () => [...router.list(), ...executor.list()],
      // a task this node delegated is canceled through its router, which tells the executor
      cancel: (taskId) => executor.cancel(taskId) || router.cancel(taskId),
      load: () => executor.load(),
      offers: () => router.offers()
    },
    policy: { current: () => policy.policy, file: () => policyFile.status(), reload: async () => await policyFile.reload() },
    audit: { tail: async (n) => await audit.tail(n), verify: async () => await audit.verify(), verifyPeers, subscribe: (listener) => audit.subscribe(listener), settle: async () => { await audit.settle() }, byTask: async (taskId) => await audit.byTask(taskId), trace: async (taskId) => await traceTask(audit, taskId) },
    models: {
      list: async () => runtime != null
        ? (await runtime.models()).map(m => modelSummary(m, m.loaded, catalog))
        : (await modelRegistry.list()).map(m => modelSummary(m, false, catalog)),
      add: async (path, opts) => modelSummary(await modelRegistry.add(path, opts), false, catalog),
      catalog: () => ({ seq: catalog.seq(), models: catalog.entries() }),
      approve: async (name, opts) => {
        const admin = credentials.admin()
        const local = opts.sha256 == null ? await modelRegistry.resolve(name) : undefined
        const sha256 = opts.sha256 ?? (local as RegisteredModel).sha256
        await catalog.change(admin, { approve: [{ name, sha256, source: opts.source ?? local?.path ?? '' }] })
        return catalog.approved(sha256) as CatalogEntrySummary
      },
      withdraw: async (nameOrSha256) => {
        const admin = credentials.admin()
        if (!catalog.entries().some(e => e.name === nameOrSha256 || e.sha256 === nameOrSha256)) return false
        await catalog.change(admin, { withdraw: [nameOrSha256] })
        return true
      }
    },
    memory: {
      store: () => memory.store,
      classOf: (collection) => memory.classOf(collection),
      setClass: async (collection, dataClass) => {
        await setCollectionClass(paths.collections, collection, dataClass)
        await memory.refresh()
      },
      refresh: async () => { await memory.refresh() },
      mesh: meshMemory
    },
    identity: { publicKey: credentials.key.publicKey, sign: (bytes) => sign(credentials.key.secretKey, bytes) },
    tools: { list: () => tools.list(), call: async (req) => await tools.call(req) },
    ...sourceModules(node),
    agents: { list: () => agents.list(), get: (name) => agents.get(name), create: async (spec) => await agents.create(spec), remove: async (name) => await agents.remove(name) },
    sessions
  }
}

function modelSummary (m: RegisteredModel, loaded: boolean, catalog: CatalogStore): ModelSummary {
  return { name: m.name, sha256: m.sha256, path: m.path, architecture: m.architecture, quantisation: m.quantisation, parameterCount: m.parameterCount, contextLength: m.contextLength, sizeBytes: m.sizeBytes, loaded, approved: catalog.approved(m.sha256) != null }
}

function sourceModules (node: MycelNode): Pick<ApiModules, 'sources' | 'forget'> {
  const { sources, forget } = node.services
  return {
    ...(sources != null ? { sources: { list: async () => await sources.list(), add: async (a) => await sources.add(a), sync: async (id) => await sources.syncAll(id), remove: async (id, o) => await sources.remove(id, o) } } : {}),
    ...(forget != null ? { forget: { forget: async (input, signal) => await forget.forget(input, signal) } } : {})
  }
}
