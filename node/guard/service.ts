/**
 * The guard service of a node: the passage index over the memory's
 * restricted collections (`local-only` and `confidential`), kept in step
 * with the memory (`sync` after each ingest, removal or reclassification
 * rebuilds only the collections whose documents changed), and the output
 * check over it.
 *
 * @example
 * const guard = guardService()({ memory, classOf, mayRead, audit, self, logger })
 * await guard.start()
 * await guard.output.assertAllowed(peerId, resultText, { task })
 */
import { createHash } from 'node:crypto'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { Logger } from '../logger.ts'
import { FingerprintIndex, type FingerprintIndexInit } from './fingerprints.ts'
import { OutputCheck, type OutputCheckComponents } from './output-check.ts'

/** What the guard reads of the memory: collection names, document versions and chunk texts. */
export interface PassageSource {
  collections: () => Promise<Array<{ name: string }>>
  documents: (collection: string) => Promise<Array<{ source: string, hash: string }>>
  chunkTexts: (collection: string) => AsyncIterable<string>
}

export interface GuardComponents extends Omit<OutputCheckComponents, 'index'> {
  /** The memory; undefined while none is open (nothing is indexed then). */
  memory: () => PassageSource | undefined
}

export type GuardInit = FingerprintIndexInit

/** Classes whose passages are fingerprinted. */
const RESTRICTED: ReadonlySet<DataClass> = new Set(['local-only', 'confidential'])

export class Guard {
  readonly index: FingerprintIndex
  readonly output: OutputCheck
  private readonly c: GuardComponents
  /** Each indexed collection's version: a digest of its documents' sources and hashes. */
  private readonly versions = new Map<string, string>()
  private syncing: Promise<void> = Promise.resolve()

  constructor (components: GuardComponents, init: GuardInit = {}) {
    this.c = components
    this.index = new FingerprintIndex(init)
    this.output = new OutputCheck({ ...components, index: this.index })
  }

  async start (): Promise<void> { await this.sync() }

  stop (): void {
    for (const name of this.index.collections()) this.index.delete(name)
    this.versions.clear()
  }

  /** Brings the index in step with the memory; calls queue behind each other. */
  async sync (): Promise<void> {
    const run = this.syncing.then(async () => { await this.syncNow() })
    this.syncing = run.catch(err => { this.c.logger.error('guard index sync failed: %s', (err as Error).message) })
    await this.syncing
  }

  private async syncNow (): Promise<void> {
    const memory = this.c.memory()
    const wanted = memory == null ? [] : (await memory.collections()).map(c => c.name).filter(n => RESTRICTED.has(this.c.classOf(n)))
    for (const name of this.index.collections()) {
      if (!wanted.includes(name)) { this.index.delete(name); this.versions.delete(name) }
    }
    if (memory == null) return
    for (const name of wanted) {
      const docs = await memory.documents(name)
      const version = createHash('sha256').update(JSON.stringify(docs.map(d => [d.source, d.hash]))).digest('hex')
      if (this.versions.get(name) === version) continue
      const complete = await this.index.replace(name, memory.chunkTexts(name))
      if (!complete) this.c.logger.error('guard index full (%d fingerprints): collection %s is only partly covered', this.index.size, name)
      this.versions.set(name, version)
      this.c.logger('guard indexed %s: %d fingerprints in all', name, this.index.size)
    }
  }
}

/** The guard service factory, js-libp2p style. */
export function guardService (init: GuardInit = {}): (components: GuardComponents) => Guard {
  return (components) => new Guard(components, init)
}
