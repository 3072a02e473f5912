/**
 * The node's memory as the assembly wires it: the store opened on the
 * home (embeddings from the local runtime when a model is named), and the
 * `memory.*` task kinds over it, answering with a local model when there is
 * one. The rules stay in `memory/`: which collection a peer may read
 * (`memory/read-permission.ts`) and the data classes of collections.
 */
import type { Logger } from '../logger.ts'
import type { HomePaths } from '../home/home.ts'
import type { TaskKindRegistry } from '../tasks/registry.ts'
import { TaskFailedError } from '../tasks/errors.ts'
import { memoryKinds } from '../tasks/kinds/memory.ts'
import { NodeMemory, runtimeEmbedder } from '../memory/node-memory.ts'
import { isEmbeddingModel } from '../runtime/registry.ts'
import { mayRead, type MayReadComponents } from '../memory/read-permission.ts'
import type { LocalInference } from './inference.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import type { PolicyEngine } from '../policy/engine.ts'
import type { TaskRouter } from '../tasks/router/router.ts'
import { meshMemory, type MeshMemory } from '../mesh-memory/index.ts'

export interface LocalMemoryInit {
  paths: Pick<HomePaths, 'memoryDir' | 'collections'>
  passphrase?: string
  embedModel?: string | undefined
  inference: LocalInference
  tasks: TaskKindRegistry
  /** This node's peer id, to tell local callers from remote ones. */
  self: string
  mayReadComponents: MayReadComponents
  logger: Logger
}

/** A memory whose card-visible collections can be re-read, saying whether they changed. */
export type LocalMemory = NodeMemory & { refreshChanged: () => Promise<boolean> }

/**
 * The model memory embeds with: the one named (flag or `MYCEL_EMBED_MODEL`), else the first
 * registered model that makes embeddings (an encoder, or a GGUF declaring its pooling), else none.
 */
export async function embeddingModel (inference: LocalInference, named: string | undefined, logger: Logger): Promise<string | undefined> {
  if (named != null || inference.runtime == null) return named
  try {
    return (await inference.registry.list()).find(isEmbeddingModel)?.name
  } catch (err) {
    logger('could not list models for embeddings: %s', (err as Error).message)
    return undefined
  }
}

/** Opens the memory and registers the memory kinds; the caller closes it. */
export async function openLocalMemory (init: LocalMemoryInit): Promise<LocalMemory> {
  const runtime = init.inference.runtime
  const embedModel = await embeddingModel(init.inference, init.embedModel, init.logger)
  if (embedModel != null) init.logger('memory embeds with model %s', embedModel)
  const memory = await NodeMemory.open({
    dir: init.paths.memoryDir,
    classesPath: init.paths.collections,
    logger: init.logger,
    ...(init.passphrase != null ? { passphrase: init.passphrase } : {}),
    ...(runtime != null && embedModel != null ? { embed: runtimeEmbedder(runtime, embedModel), embedModel } : {})
  })
  const may = mayRead(init.mayReadComponents)
  for (const kind of memoryKinds({
    store: memory.opened.store,
    self: () => init.self,
    classOf: (c) => memory.classOf(c),
    mayRead: (peerId, kind, collection) => may(peerId, kind, collection, memory.classOf(collection)),
    ...(runtime != null
      ? {
          generate: async (prompt, o) => {
            const model = o.model ?? init.inference.models[0]?.name
            if (model == null) throw new TaskFailedError('unavailable', 'This node has no model to answer with')
            return await runtime.complete({ model, prompt, priority: 'delegated', signal: o.signal, onText: o.onText, ...(o.maxTokens != null ? { maxTokens: o.maxTokens } : {}), ...(o.temperature != null ? { temperature: o.temperature } : {}) })
          }
        }
      : {})
  })) init.tasks.register(kind)
  return Object.assign(memory, {
    refreshChanged: async (): Promise<boolean> => {
      const before = JSON.stringify(memory.collections)
      await memory.refresh()
      return JSON.stringify(memory.collections) !== before
    }
  })
}

export interface LocalMeshMemoryInit {
  self: string
  name: () => string
  memory: NodeMemory
  cards: () => CapabilityCard[]
  memberGroups: (peerId: string) => string[] | undefined
  policy: Pick<PolicyEngine, 'decide'>
  router: Pick<TaskRouter, 'run'>
  logger: Logger
}

/** Federated search over this node's store and the members' `memory.search`, through the router. */
export function localMeshMemory (init: LocalMeshMemoryInit): MeshMemory {
  return meshMemory()({
    self: { peerId: init.self, name: init.name },
    localSearch: async (query, o) => await init.memory.store.search(query, o),
    holds: (collection) => init.memory.holds(collection),
    cards: init.cards,
    memberGroups: init.memberGroups,
    policy: init.policy,
    run: async (spec) => await init.router.run(spec),
    logger: init.logger
  })
}
