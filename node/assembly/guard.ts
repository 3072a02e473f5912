/**
 * The node's guard as the assembly wires it: the passage index over the
 * memory's restricted collections, re-synced after every memory refresh
 * (ingest, removal, change of class), and the output check the executor
 * runs on what it sends to delegators. The rules stay in `guard/`; who may
 * read a confidential collection is the memory's read permission.
 */
import { createLogger } from '../logger.ts'
import { guardService, type Guard, type GuardComponents } from '../guard/index.ts'
import { mayRead, type MayReadComponents } from '../memory/read-permission.ts'
import type { NodeMemory } from '../memory/node-memory.ts'

export interface NodeGuardComponents {
  memory: NodeMemory
  audit: GuardComponents['audit']
  self: string
  mayReadComponents: MayReadComponents
}

export function nodeGuard (c: NodeGuardComponents): Guard {
  const guard = guardService()({
    memory: () => c.memory.store,
    classOf: (collection) => c.memory.classOf(collection),
    mayRead: mayRead(c.mayReadComponents),
    audit: c.audit,
    self: () => c.self,
    logger: createLogger('mycel:node:guard')
  })
  c.memory.onRefresh(async () => { await guard.sync() })
  return guard
}
