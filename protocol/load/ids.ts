/**
 * Ids of the load signals. The topic is org-scoped like the cards topic. The
 * protocol id is also the feature flag: a node that handles it (identify
 * lists it) reads `load` on task results and failures, so an executor sends
 * the field only to delegators that will not refuse it as an unknown key.
 */

/** Answers with this node's latest signed load beat, then closes. */
export const LOAD_PROTOCOL = '/mycel/load/1.0.0'

export function loadTopic (orgId: string): string {
  return `/mycel/${orgId}/load/1`
}
