/**
 * Loaded models: one `LlamaModel` and one `LlamaContext` with N sequences per
 * model (so concurrent tasks on it decode in one batch), an embedding context
 * created on first use, and an idle timer that unloads the model after the
 * keep-alive period. The file's SHA-256 is checked against the registry
 * before every load; a file unchanged since its last check (same inode, size,
 * mtime and ctime) is not hashed again.
 */
import { stat } from 'node:fs/promises'
import type { ChatWrapper, Llama, LlamaContext, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp'
import type { Logger } from '../logger.ts'
import { chatWrapperFor } from './chat.ts'
import { InvalidModelFileError } from './errors.ts'
import { SequenceCache, type SequenceCacheStats } from './sequence-cache.ts'
import { StepBarrier, type StepBarrierStats } from './step-barrier.ts'
import type { StateStore } from './state-store.ts'
import type { ModelRegistry, RegisteredModel } from './registry.ts'

export interface LoadedModel {
  entry: RegisteredModel
  model: LlamaModel
  context: LlamaContext
  /** Tokens per sequence, as created. */
  contextSize: number
  chatWrapper: ChatWrapper | null
  /** The context's sequences, kept resident with their state between tasks. */
  sequences: SequenceCache
  /** Lines up the decode steps of the context's generations (step-barrier.ts). */
  steps: StepBarrier
  /** Created on first embed. */
  embedding?: Promise<LlamaEmbeddingContext>
}

export interface ModelPoolInit {
  llama: Llama
  registry: ModelRegistry
  log: Logger
  sequences: number
  keepAliveMs: number
  contextSize: (entry: RegisteredModel) => number
  threads?: number
  /** Where evicted sequence states go; none: they are dropped. */
  states?: StateStore
}

interface Slot {
  name: string
  users: number
  loading?: Promise<LoadedModel>
  unloading?: Promise<void>
  idleTimer?: ReturnType<typeof setTimeout>
}

interface FileStamp { sha256: string, ino: number, size: number, mtimeMs: number, ctimeMs: number }

export class ModelPool {
  private readonly init: ModelPoolInit
  private readonly slots = new Map<string, Slot>()
  private readonly verified = new Map<string, FileStamp>()
  /** Models whose load finished, for their sequence caches' figures. */
  private readonly ready = new Map<string, LoadedModel>()
  /** Loads so far, per model name (tests and stats use it to see reloads). */
  readonly loads = new Map<string, number>()
  /**
   * Loads that llama.cpp refused. node-llama-cpp 3.21.1 (`LlamaModel._create`)
   * does not dispose a model whose native load failed: the half-made model
   * keeps a hold on the `Llama` that only its own dispose releases, and once
   * it is garbage-collected `llama.dispose()` waits forever. The runtime reads
   * this to know it must not wait for that dispose.
   */
  failedNativeLoads = 0

  constructor (init: ModelPoolInit) {
    this.init = init
  }

  /** Marks the model in use and returns it loaded; pair with `release`. */
  async use (entry: RegisteredModel): Promise<LoadedModel> {
    const slot = this.slot(entry.name)
    slot.users++
    if (slot.idleTimer != null) { clearTimeout(slot.idleTimer); slot.idleTimer = undefined }
    let loading: Promise<LoadedModel> | undefined
    try {
      if (slot.unloading != null) await slot.unloading
      // The load is shared by every task waiting for it, so no single task's signal cancels it.
      loading = slot.loading ??= this.load(entry)
      return await loading
    } catch (err) {
      // A failed load is not kept: the next task tries again (the file may be fixed).
      if (slot.loading === loading) slot.loading = undefined
      this.release(entry.name)
      throw err
    }
  }

  release (name: string): void {
    const slot = this.slots.get(name)
    if (slot == null) return
    slot.users = Math.max(0, slot.users - 1)
    if (slot.users > 0 || slot.loading == null) return
    slot.idleTimer = setTimeout(() => { void this.unload(name) }, this.init.keepAliveMs)
    slot.idleTimer.unref()
  }

  /** Prompt tokens reused and evaluated, summed over the loaded models. */
  sequenceStats (): SequenceCacheStats {
    const out: SequenceCacheStats = { resident: 0, reusedTokens: 0, restoredTokens: 0, evaluatedTokens: 0 }
    for (const m of this.ready.values()) {
      const s = m.sequences.stats()
      out.resident += s.resident
      out.reusedTokens += s.reusedTokens
      out.restoredTokens += s.restoredTokens
      out.evaluatedTokens += s.evaluatedTokens
    }
    return out
  }

  /** Decode steps lined up and waits cut short, summed over the loaded models. */
  stepStats (): StepBarrierStats {
    const out: StepBarrierStats = { lined: 0, overdue: 0 }
    for (const m of this.ready.values()) {
      const s = m.steps.stats()
      out.lined += s.lined
      out.overdue += s.overdue
    }
    return out
  }

  /** Sequences of a model no task holds: all of them when it is not loaded. */
  freeSequences (name: string): number {
    return this.ready.get(name)?.sequences.free() ?? this.init.sequences
  }

  isLoaded (name: string): boolean {
    return this.slots.get(name)?.loading != null
  }

  loadedNames (): string[] {
    return [...this.slots.values()].filter(s => s.loading != null).map(s => s.name)
  }

  /** Unloads a model now (its running tasks must have finished). */
  async unload (name: string): Promise<void> {
    const slot = this.slots.get(name)
    if (slot?.loading == null) return
    if (slot.idleTimer != null) { clearTimeout(slot.idleTimer); slot.idleTimer = undefined }
    const loading = slot.loading
    slot.loading = undefined
    this.ready.delete(name)
    slot.unloading = (async () => {
      const loaded = await loading.catch(() => undefined)
      if (loaded == null) return
      this.init.log('unloading %s', name)
      // the idle sequences' long states go to disk first, so the next turn after a reload restores them
      await loaded.sequences.persist()
      const emb = await loaded.embedding?.catch(() => undefined)
      await emb?.dispose()
      await loaded.context.dispose()
      await loaded.model.dispose()
    })()
    try { await slot.unloading } finally { slot.unloading = undefined }
  }

  async unloadAll (): Promise<void> {
    await Promise.all([...this.slots.keys()].map(async n => { await this.unload(n) }))
  }

  /** The model's embedding context, created on first use. */
  async embeddingContext (loaded: LoadedModel): Promise<LlamaEmbeddingContext> {
    loaded.embedding ??= loaded.model.createEmbeddingContext({
      contextSize: loaded.contextSize,
      ...(this.init.threads != null ? { threads: this.init.threads } : {})
    })
    return await loaded.embedding
  }

  private slot (name: string): Slot {
    let s = this.slots.get(name)
    if (s == null) { s = { name, users: 0 }; this.slots.set(name, s) }
    return s
  }

  private async verify (entry: RegisteredModel): Promise<void> {
    let s
    try { s = await stat(entry.path) } catch { throw new InvalidModelFileError(entry.path, 'the registered file is gone') }
    const stamp: FileStamp = { sha256: entry.sha256, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs }
    const known = this.verified.get(entry.name)
    if (known != null && JSON.stringify(known) === JSON.stringify(stamp)) return
    this.verified.delete(entry.name)
    await this.init.registry.verify(entry)
    this.verified.set(entry.name, stamp)
  }

  private async load (entry: RegisteredModel): Promise<LoadedModel> {
    await this.verify(entry)
    // states saved from an earlier file under this name can never load again
    await this.init.states?.forget(entry.name, entry.sha256)
    const started = performance.now()
    let model: LlamaModel
    try {
      model = await this.init.llama.loadModel({ modelPath: entry.path })
    } catch (err) {
      this.failedNativeLoads++
      throw new InvalidModelFileError(entry.path, `llama.cpp could not load it (${(err as Error).message.split('\n')[0] ?? 'error'})`)
    }
    try {
      const context = await model.createContext({
        sequences: this.init.sequences,
        contextSize: this.init.contextSize(entry),
        ...(this.init.threads != null ? { threads: this.init.threads } : {})
      })
      this.loads.set(entry.name, (this.loads.get(entry.name) ?? 0) + 1)
      const disk = this.init.states != null ? { store: this.init.states, model: { name: entry.name, sha256: entry.sha256 } } : undefined
      const loaded: LoadedModel = {
        entry, model, context, contextSize: context.contextSize, chatWrapper: chatWrapperFor(model, entry.hasChatTemplate), sequences: new SequenceCache(context, this.init.sequences, disk), steps: new StepBarrier()
      }
      this.ready.set(entry.name, loaded)
      this.init.log('loaded %s in %d ms: %d sequences x %d tokens', entry.name, Math.round(performance.now() - started), this.init.sequences, context.contextSize)
      return loaded
    } catch (err) {
      await model.dispose()
      throw err
    }
  }
}
