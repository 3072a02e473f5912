/**
 * Source figures, each next to what it is compared with in the same run:
 * a git source's first sync (files/s) against `memory ingest` of the same
 * files from a folder; its incremental sync after a commit touching a few
 * files against that first sync; and the time from saving a file in a
 * watched folder to finding it in a search, against ingesting that one file
 * directly and searching (the watcher, its debounce and the sync are the
 * difference).
 *
 * Reproduce: `npm run bench -- sources`
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Harness } from '../../test/helpers/harness.ts'
import { commit } from '../../test/sources/fixtures.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const FILES = 300
const CHANGED = 10
const EDITS = 10

const page = (i: number, salt: string): string => Array.from({ length: 6 }, (_, j) => `File ${i} paragraph ${j} (${salt}) notes item ${i * 10 + j} of the register.`).join('\n\n') + '\n'

async function run (): Promise<BenchRow[]> {
  const suite = 'sources'
  const h = new Harness()
  try {
    const work = await h.tempDir('mycel-bench-sources-')
    const repo = join(work, 'repo')
    const plain = join(work, 'plain')
    await mkdir(repo)
    await mkdir(plain)
    const files: Record<string, string> = {}
    for (let i = 0; i < FILES; i++) files[`f${i}.md`] = page(i, 'v1')
    await commit(repo, files, 'v1')
    for (const [name, text] of Object.entries(files)) await writeFile(join(plain, name), text)
    const node = await h.node(await h.found('bench', 'sources', { inProcess: true }), { runtime: false, sources: { pollMs: 0 } })
    const sources = node.services.sources
    const store = node.services.memory.store
    if (sources == null) throw new Error('the node keeps no sources')

    let t = performance.now()
    await store.ingest([plain], { collection: 'plain' })
    const folderRate = FILES / ((performance.now() - t) / 1000)

    t = performance.now()
    const { source } = await sources.add({ kind: 'git', target: repo, collection: 'repo' })
    const initialRate = FILES / ((performance.now() - t) / 1000)

    const change: Record<string, string> = {}
    for (let i = 0; i < CHANGED; i++) change[`f${i * 7}.md`] = page(i * 7, 'v2')
    await commit(repo, change, 'v2')
    t = performance.now()
    const [inc] = await sources.syncAll(source.id)
    const incMs = performance.now() - t
    if (inc?.updated !== CHANGED) throw new Error(`the incremental sync updated ${inc?.updated} files, not ${CHANGED}`)

    const watched = join(work, 'watched')
    await mkdir(watched)
    await writeFile(join(watched, 'seed.md'), 'seed\n')
    await sources.add({ kind: 'folder', target: watched, collection: 'watched' })
    const direct = join(work, 'direct')
    await mkdir(direct)
    const viaWatch: number[] = []
    const viaIngest: number[] = []
    for (let i = 0; i < EDITS; i++) {
      const word = `zebra${i}quokka`
      t = performance.now()
      await writeFile(join(watched, `edit${i}.md`), `The word of edit ${i} is ${word}.\n`)
      for (;;) {
        if ((await store.search(word, { collection: 'watched', k: 1 })).length > 0) break
        await new Promise(resolve => setTimeout(resolve, 5))
      }
      viaWatch.push(performance.now() - t)
      t = performance.now()
      await writeFile(join(direct, `edit${i}.md`), `The word of edit ${i} is ${word}.\n`)
      await store.ingest([join(direct, `edit${i}.md`)], { collection: 'direct' })
      if ((await store.search(word, { collection: 'direct', k: 1 })).length === 0) throw new Error('direct ingest not found')
      viaIngest.push(performance.now() - t)
    }
    const watchP50 = percentile(viaWatch, 50)
    return [
      { suite, name: `git source first sync, ${FILES} files`, value: initialRate, unit: 'files/s', baseline: { name: 'memory ingest of the same folder', value: folderRate } },
      { suite, name: `git source incremental sync, ${CHANGED} of ${FILES} files changed`, value: CHANGED / (incMs / 1000), unit: 'files/s', baseline: { name: 'first sync', value: initialRate } },
      { suite, name: `git source incremental sync, ${CHANGED} of ${FILES} files changed: time`, value: incMs, unit: 'ms', baseline: { name: 'first sync time', value: FILES / initialRate * 1000 } },
      { suite, name: 'watched folder: save to searchable, p50', value: watchP50, unit: 'ms', baseline: { name: 'ingest + search of the file directly, p50', value: percentile(viaIngest, 50) } }
    ]
  } finally {
    await h.cleanup()
  }
}

export const sources: BenchSuite = { name: 'sources', run }
