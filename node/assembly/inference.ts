/**
 * Local inference as the node runs it: the runtime over the verified model
 * registry of the home, the `llm.*` task kinds it backs, and the registered
 * models as the capability card shows them, kept in step with the disk
 * (`mycel models add/rm` change it while the node runs). A node started
 * with `runtime: false` has none of it: `runtime` is null and it offers no
 * `llm.*` kind.
 *
 * @example
 * const inference = localInference({})({ modelsDir, tasks, logger })
 * await inference.start()
 * inference.models // [{ name: 'tiny', ... }]
 */
import type { ModelGate } from '../catalog/model-gate.ts'
import type { Logger } from '../logger.ts'
import { createLogger } from '../logger.ts'
import { join } from 'node:path'
import { ModelRegistry } from '../runtime/registry.ts'
import { Runtime, type RuntimeInit } from '../runtime/runtime.ts'
import type { HardwareInfo } from '../runtime/hardware.ts'
import type { TaskKindRegistry } from '../tasks/registry.ts'
import { cardModels, llmKinds } from '../tasks/kinds/llm.ts'
import type { CardModel } from '../../protocol/cards/card.ts'

/** Folder under the models dir for saved context states (runtime/state-store.ts). */
export const KV_STATE_DIR = '.kv-states'

export interface LocalInferenceComponents {
  modelsDir: string
  tasks: TaskKindRegistry
  logger: Logger
  /** Pinned digests and approved models (node/catalog), checked before every model kind runs. */
  modelGate?: ModelGate
}

export function localInference (init: RuntimeInit | false) {
  return (components: LocalInferenceComponents) => new LocalInference(components, init)
}

export class LocalInference {
  /** The runtime, or null on a node started without inference. */
  readonly runtime: Runtime | null
  /** The home's model registry: the one instance this process writes it through (writes are serialised per instance). */
  readonly registry: ModelRegistry
  /** Registered models as the card shows them. */
  models: CardModel[] = []
  private readonly c: LocalInferenceComponents

  get modelGate (): ModelGate | undefined { return this.c.modelGate }

  constructor (components: LocalInferenceComponents, init: RuntimeInit | false) {
    this.c = components
    this.registry = new ModelRegistry({ dir: components.modelsDir })
    this.runtime = init === false
      ? null
      : new Runtime({ registry: this.registry, logger: createLogger('mycel:node:runtime') }, {
          onWarning: (m) => { components.logger.error('%s', m) },
          lazyEngine: true,
          // evicted sequences' KV states, beside the models they belong to
          stateDir: join(components.modelsDir, KV_STATE_DIR),
          ...init
        })
  }

  async start (): Promise<void> {
    if (this.runtime == null) return
    await this.runtime.start()
    // llama.cpp's binding loads only for a node that has a model: one without starts in a fraction of the time
    if ((await this.registry.list()).length > 0) await this.runtime.warm()
    for (const kind of llmKinds(this.runtime, this.c.modelGate)) this.c.tasks.register(kind)
    await this.refresh()
  }

  async stop (): Promise<void> {
    await this.runtime?.stop().catch(() => {})
  }

  /** The models as the card shows them now: the registered list, with the context free at this moment. */
  cardModels (): CardModel[] {
    const rt = this.runtime
    if (rt == null) return this.models
    return this.models.map(m => ({ ...m, freeContext: rt.freeSequences(m.name) * m.contextLength }))
  }

  /** The hardware the runtime found, once started. */
  hardware (): HardwareInfo | undefined {
    try { return this.runtime?.hardware() } catch { return undefined }
  }

  /** Re-reads the registered models; true when the list changed. */
  async refresh (): Promise<boolean> {
    if (this.runtime == null) return false
    const before = JSON.stringify(this.models)
    try { this.models = await cardModels(this.runtime) } catch (err) { this.c.logger('could not list models: %s', (err as Error).message) }
    return JSON.stringify(this.models) !== before
  }
}
