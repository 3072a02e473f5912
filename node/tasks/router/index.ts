/**
 * The router: the delegator's side of a task. It ranks candidates (verified
 * cards offering the kind and model, allowed by policy, scored by load,
 * round trip and experience), delivers output without repeating what the
 * caller has seen, and fails over on the client error's code.
 *
 * @example
 * const router = taskRouter()(components)
 * const res = await router.run({ kind: 'llm.complete', model: 'tiny', input: { prompt: 'Hi' } })
 */
export { taskRouter, TaskRouter, type RouterComponents, type RouterInit, type RouteEvent, type RunSpec, type RunResult } from './router.ts'
export { rankCandidates, type Candidate, type CandidateSpec, type ScoringComponents } from './candidates.ts'
export { Delivery, type DeliveryEvent } from './delivery.ts'
export { PeerHealthBook, type PeerHealth, type PeerFailure, type HealthInit } from './health.ts'
export { reachableOffers, type TaskOffer, type OfferComponents } from './offers.ts'
export { runRemote, type RemoteComponents, type RemoteTask } from './remote.ts'
