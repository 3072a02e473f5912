/**
 * Erasure on this node and across the mesh. Locally: the memory store drops
 * the documents (chunks, postings, vectors), the conversation memory drops
 * summaries holding their text, and the audit log records what went, by
 * id, count and digest, never text. With `mesh`, a `memory.forget` task goes
 * through the router to every member whose card offers the kind (policy
 * decides, as for any task), and each member's report, or why it failed,
 * comes back.
 */
import { createHash } from 'node:crypto'
import type { AuditEntryInput } from '../audit/entry.ts'
import type { CapabilityCard } from '../../protocol/cards/card.ts'
import type { NodeMemory } from '../memory/node-memory.ts'
export type { MemoryForget }
import type { RunResult, RunSpec } from '../tasks/index.ts'
import { MEMORY_FORGET_KIND, type ForgetReport, type MemoryForgetInput, type MemoryForget } from '../tasks/kinds/memory-forget.ts'

export const MEMORY_FORGET_AUDIT_TYPE = 'memory.forget'

export interface ForgetComponents {
  memory: NodeMemory
  audit: { append: (e: AuditEntryInput) => Promise<unknown> }
  self: string
  /** Cards of the other members. */
  cards: () => CapabilityCard[]
  router: { run: (spec: RunSpec) => Promise<RunResult> }
  /** Stops syncing a kept source of that id, if there is one, so it does not write the erased documents again; true if it did. */
  dropSource?: (id: string) => Promise<boolean>
}

export function memoryForget (c: ForgetComponents): MemoryForget {
  const local = async (input: MemoryForgetInput, requestedBy: string, signal?: AbortSignal): Promise<ForgetReport> => {
    const dropped = input.source != null && c.dropSource != null ? await c.dropSource(input.source) : false
    const r = await c.memory.store.forget({ ...(input.source != null ? { sourceId: input.source } : {}), ...(input.match != null ? { match: input.match } : {}), ...(signal != null ? { signal } : {}) })
    const prints = r.fingerprints
    const summaries = prints.length === 0 ? 0 : await c.memory.conversations.forgetSummaries(text => prints.some(p => text.includes(p)))
    await c.memory.refresh()
    await c.audit.append({
      type: MEMORY_FORGET_AUDIT_TYPE,
      actor: requestedBy,
      ...(requestedBy !== c.self ? { peer: requestedBy } : {}),
      data: {
        source: input.source ?? null,
        match: input.match != null ? createHash('sha256').update(input.match).digest('hex') : null,
        documents: r.documents,
        chunks: r.chunks,
        summaries,
        sourceDropped: dropped,
        digests: r.digests.slice(0, 1000)
      }
    })
    return { node: c.self, documents: r.documents, chunks: r.chunks, summaries }
  }
  return {
    local,
    forget: async (input, signal) => {
      const mine = await local(input, c.self, signal)
      if (input.mesh !== true) return { local: mine, members: [] }
      const { mesh: _mesh, ...task } = input
      const peers = c.cards().filter(card => card.taskKinds.includes(MEMORY_FORGET_KIND)).map(card => card.peerId)
      const members = await Promise.all(peers.map(async (peer) => {
        try {
          const r = await c.router.run({ kind: MEMORY_FORGET_KIND, peer, input: { ...task }, ...(signal != null ? { signal } : {}) })
          return r.output as ForgetReport
        } catch (err) {
          return { node: peer, error: (err as Error).message.split('\n')[0] ?? 'failed' }
        }
      }))
      return { local: mine, members }
    }
  }
}
