/**
 * Completion of arguments (MCP `completion/complete`,
 * https://modelcontextprotocol.io/specification/2025-06-18/server/utilities/completion):
 * the names a user types into prompt arguments and resource templates —
 * models, memory collections and peers — taken from the members' verified
 * capability cards and this node's own memory, filtered by what is typed so far.
 */
import type { MeshAccess } from './access.ts'
import type { MemoryAccess } from './memory-access.ts'
import { MAX_COMPLETION_VALUES } from './constants.ts'

/** What an argument completes to; a prompt argument names one of these. */
export type NameKind = 'model' | 'collection' | 'peer'

export interface MeshNames {
  /** Known names of a kind, sorted and without duplicates. */
  all: (kind: NameKind, signal?: AbortSignal) => Promise<string[]>
  /** Names of a kind that start with `prefix` (case-insensitive), at most `MAX_COMPLETION_VALUES`. */
  complete: (kind: NameKind, prefix: string) => Promise<string[]>
}

interface CardLike { peerId?: unknown, name?: unknown, models?: unknown, collections?: unknown }

function namesIn (list: unknown): string[] {
  if (!Array.isArray(list)) return []
  return list.map(x => (x as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string')
}

export function meshNames (mesh: Pick<MeshAccess, 'capabilities'>, memory: MemoryAccess): MeshNames {
  async function all (kind: NameKind, signal?: AbortSignal): Promise<string[]> {
    const cards = await mesh.capabilities(signal) as CardLike[]
    const out = new Set<string>()
    for (const c of cards) {
      if (kind === 'model') for (const n of namesIn(c.models)) out.add(n)
      if (kind === 'collection') for (const n of namesIn(c.collections)) out.add(n)
      if (kind === 'peer') {
        if (typeof c.name === 'string' && c.name !== '') out.add(c.name)
        if (typeof c.peerId === 'string') out.add(c.peerId)
      }
    }
    // this node's own collections, local-only ones included: the MCP client is this node's user
    if (kind === 'collection') for (const c of await memory.collections(signal).catch(() => [])) out.add(c.name)
    return [...out].sort()
  }
  return {
    all,
    async complete (kind, prefix) {
      const p = prefix.toLowerCase()
      // a failing lookup (node gone) completes to nothing rather than failing the client's keystroke
      const names = await all(kind).catch(() => [])
      return names.filter(n => n.toLowerCase().startsWith(p)).slice(0, MAX_COMPLETION_VALUES)
    }
  }
}
