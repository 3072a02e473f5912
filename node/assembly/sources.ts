/**
 * The node's sources and erasure as the assembly wires them: the sources
 * service over the node's database and its memory (a source's collection
 * gets the source's data class), the `memory.forget` kind, and the erasure
 * that `mycel memory forget` and that kind both run.
 */
import { join } from 'node:path'
import { createLogger } from '../logger.ts'
import type { HomePaths } from '../home/home.ts'
import type { NodeDb } from '../home/db.ts'
import type { TaskKindRegistry } from '../tasks/registry.ts'
import { setCollectionClass } from '../memory/classes.ts'
import type { NodeMemory } from '../memory/node-memory.ts'
import { memoryForgetKind } from '../tasks/kinds/memory-forget.ts'
import { SourceBook, sourcesService, type SourcesInit, type SourcesService } from '../sources/index.ts'
import { memoryForget, type ForgetComponents, type MemoryForget } from './forget.ts'

export interface LocalSourcesInit extends Omit<ForgetComponents, 'memory'> {
  paths: Pick<HomePaths, 'collections' | 'tools' | 'dataDir'>
  db: NodeDb
  memory: NodeMemory
  tasks: TaskKindRegistry
  sources?: SourcesInit
}

export function openLocalSources (init: LocalSourcesInit): { sources: SourcesService, forget: MemoryForget } {
  const { memory } = init
  let sources: SourcesService | undefined
  const forget = memoryForget({ ...init, dropSource: async (id) => await sources?.removeIfKept(id) ?? false })
  init.tasks.register(memoryForgetKind({ forget: async (input, from, signal) => await forget.local(input, from, signal) }))
  sources = sourcesService(init.sources)({
    book: SourceBook.of(init.db),
    store: () => { try { return memory.store } catch { return undefined } },
    setClass: async (collection, dataClass) => { await setCollectionClass(init.paths.collections, collection, dataClass); await memory.refresh() },
    refresh: async () => { await memory.refresh() },
    toolsFile: init.paths.tools,
    mirrorsDir: join(init.paths.dataDir, 'git-mirrors'),
    logger: createLogger('mycel:node:sources')
  })
  return { sources: sources as SourcesService, forget }
}
