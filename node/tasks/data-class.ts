/**
 * The effective data class of a task, decided here and nowhere else: the
 * class the caller states (or `internal` when the task touches no data of
 * ours), made stricter by the class of the collection the task touches. A
 * collection's class is never defaulted away: a task naming a `local-only`
 * collection is `local-only` whatever the caller said.
 *
 * @example
 * effectiveClass({ collection: 'secret' }, classOf) // 'local-only' when collections.json says so
 */
import type { DataClass } from '../../protocol/task/messages.ts'

/** The class a task has when it states none and touches no collection. */
export const DEFAULT_TASK_CLASS: DataClass = 'internal'

const RANK: Record<DataClass, number> = { public: 0, internal: 1, confidential: 2, 'local-only': 3 }

/** The data class of a collection on this node. */
export type ClassOf = (collection: string) => DataClass

export function effectiveClass (task: { dataClass?: DataClass, collection?: string }, classOf: ClassOf): DataClass {
  const stated = task.dataClass ?? DEFAULT_TASK_CLASS
  if (task.collection == null) return stated
  const ofCollection = classOf(task.collection)
  return RANK[ofCollection] > RANK[stated] ? ofCollection : stated
}
