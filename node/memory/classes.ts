/**
 * Data classes of memory collections (`collections.json` in the home). A
 * collection is `internal` unless classified otherwise; a `local-only`
 * collection never serves a remote peer, whatever the policy file says, and
 * is not even named to one.
 */
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../identity/atomic-write.ts'
import { oneOf, parse, record } from '../../protocol/shape.ts'
import { DATA_CLASSES, type DataClass } from '../../protocol/task/messages.ts'

const ClassesFile = record(oneOf(DATA_CLASSES), { max: 10_000, keyMax: 128 })

export const DEFAULT_COLLECTION_CLASS: DataClass = 'internal'
const RANK: Record<DataClass, number> = { public: 0, internal: 1, confidential: 2, 'local-only': 3 }

export async function loadCollectionClasses (path: string): Promise<Record<string, DataClass>> {
  try {
    return parse(ClassesFile, JSON.parse(await readFile(path, 'utf8')), 'collections.json')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
}

export async function setCollectionClass (path: string, collection: string, dataClass: DataClass): Promise<void> {
  const classes = await loadCollectionClasses(path)
  classes[collection] = dataClass
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(classes, null, 2) + '\n'), { mode: 0o600 })
}

/** The stricter of two data classes. */
export function stricter (a: DataClass, b: DataClass): DataClass {
  return RANK[a] >= RANK[b] ? a : b
}

/** A collection as the card names it: its class and size, never its contents. */
export interface ClassifiedCollection {
  name: string
  classification: DataClass
  documents?: number
  chunks?: number
  /** The model its vectors come from, when it holds any. */
  embedModel?: string
}

/**
 * The collections other members may be told about (the capability card):
 * every one but the `local-only`, whose names alone can say too much.
 */
export function advertisedCollections (collections: readonly ClassifiedCollection[]): ClassifiedCollection[] {
  return collections.filter(c => c.classification !== 'local-only')
}
