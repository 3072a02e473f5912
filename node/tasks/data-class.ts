/**
 * The effective data class of a task, decided here and nowhere else: the
 * class the caller states (or `internal` when the task touches no data of
 * ours), made stricter by the class of the collection the task touches, and
 * by the class of the tool it calls when this node offers that tool (a
 * tool's output has its provider's class). Neither is ever defaulted away: a
 * task naming a `local-only` collection or tool is `local-only` whatever the
 * caller said.
 *
 * @example
 * effectiveClass({ collection: 'secret' }, classOf) // 'local-only' when collections.json says so
 * effectiveClass({ tool: 'vault.read' }, classOf, toolClassOf) // 'local-only' when vault is registered --class local-only
 */
import type { DataClass } from '../../protocol/task/messages.ts'

/** The class a task has when it states none and touches no collection. */
export const DEFAULT_TASK_CLASS: DataClass = 'internal'

const RANK: Record<DataClass, number> = { public: 0, internal: 1, confidential: 2, 'local-only': 3 }

/** The data class of a collection on this node. */
export type ClassOf = (collection: string) => DataClass

/** The data class of a tool's output on this node; undefined for a tool it does not offer. */
export type ToolClassOf = (tool: string) => DataClass | undefined

export function effectiveClass (task: { dataClass?: DataClass, collection?: string, tool?: string }, classOf: ClassOf, toolClassOf?: ToolClassOf): DataClass {
  let cls = task.dataClass ?? DEFAULT_TASK_CLASS
  if (task.collection != null) cls = stricter(cls, classOf(task.collection))
  const ofTool = task.tool != null ? toolClassOf?.(task.tool) : undefined
  if (ofTool != null) cls = stricter(cls, ofTool)
  return cls
}

function stricter (a: DataClass, b: DataClass): DataClass {
  return RANK[b] > RANK[a] ? b : a
}
