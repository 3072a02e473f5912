/**
 * Federated memory: a search asks every member holding collections this node
 * may read, under one deadline, and fuses their ranked hits by reciprocal
 * rank fusion; each hit names the member that holds it. Members are asked
 * with `memory.search` tasks through the router, so policy, encryption and
 * the audit apply as to any task; answers are bounded and checked.
 *
 * @example
 * const mesh = meshMemory()(components)
 * const answer = await mesh.search('travel policy', { k: 5 }) // { hits, partial, missed, members }
 */
export { meshMemory, MeshMemory } from './federated.ts'
export type { MeshMemoryComponents, MeshSearchOptions, MeshAnswer, MissedMember, MeshRunSpec } from './federated.ts'
export { fuseMemberHits } from './fuse.ts'
export type { FederatedHit, MemberList } from './fuse.ts'
export { memberHits } from './member-hits.ts'
export type { MemberHit } from './member-hits.ts'
export { CollectionNotHeldError, MemberAnswerError } from './errors.ts'
export * from './constants.ts'
