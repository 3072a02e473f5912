/**
 * Whether a remote peer may read a memory collection with a memory kind:
 * it must be an admitted (or card-verified) member, and this node's inbound
 * policy must allow that kind on that collection at its data class. The
 * `local-only` class is refused before this, by the memory kinds themselves.
 *
 * @example
 * const may = mayRead({ groupsOf, policy })
 * may(peerId, 'memory.search', 'handbook', 'internal') // true or false
 */
import type { DataClass } from '../../protocol/task/messages.ts'
import type { PolicyEngine } from '../policy/engine.ts'

export type MayRead = (peerId: string, kind: string, collection: string, dataClass: DataClass) => boolean

export interface MayReadComponents {
  /** Groups of a member; undefined when the peer is not one. */
  groupsOf: (peerId: string) => string[] | undefined
  policy: Pick<PolicyEngine, 'decide'>
}

export function mayRead (c: MayReadComponents): MayRead {
  return (peerId, kind, collection, dataClass) => {
    const groups = c.groupsOf(peerId)
    return groups != null && c.policy.decide({ peerId, groups, kind, collection, dataClass, direction: 'inbound' }).allow
  }
}
