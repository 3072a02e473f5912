/** What a source is, as kept in the node's database and shown by `mycel sources ls`. */
import { arrayOf, object, oneOf, optional, str, uint, type Infer } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'

export const SOURCE_KINDS = ['folder', 'git', 'mcp', 'mbox'] as const
export type SourceKind = typeof SOURCE_KINDS[number]

export const SourceRecord = object({
  id: str({ min: 1, max: 128 }),
  kind: oneOf(SOURCE_KINDS),
  /** An absolute folder, repository or file path, a repository URL, or an MCP server's name. */
  target: str({ min: 1, max: 4096 }),
  branch: optional(str({ max: 256 })),
  collection: str({ min: 1, max: 64 }),
  dataClass: oneOf(DATA_CLASSES),
  owner: str({ min: 1, max: 256 }),
  createdAt: uint()
})
export type SourceRecord = Infer<typeof SourceRecord>

/**
 * Where a source's sync stands. `commit` moves only once every change up to
 * it is in memory, so a sync killed halfway diffs from the old commit again
 * and finishes (documents already written come back unchanged).
 */
export const SourceState = object({
  lastSyncAt: optional(uint()),
  /** A git source's last synced commit; an mbox file's size and mtime at its last sync. */
  commit: optional(str({ max: 64 })),
  documents: uint(),
  added: uint(),
  updated: uint(),
  removed: uint(),
  skipped: uint(),
  errors: arrayOf(str({ max: 1024 }), { max: 64 })
})
export type SourceState = Infer<typeof SourceState>

export interface SourceSummary extends SourceRecord, SourceState {
  syncing: boolean
}

/** What one sync did. */
export interface SyncReport {
  id: string
  added: number
  updated: number
  unchanged: number
  removed: number
  /** Documents not indexed, with their reasons; the rest went on. */
  skipped: Array<{ path: string, reason: string }>
  /** Why the sync as a whole could not run, if it could not. */
  error?: string
  commit?: string
}

export function emptyState (): SourceState {
  return { documents: 0, added: 0, updated: 0, removed: 0, skipped: 0, errors: [] }
}
