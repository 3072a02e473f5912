/**
 * Tasks: delegated work across the mesh. The router picks an executor (this
 * node or a member), the wire carries a signed, end-to-end sealed request
 * and the sealed output back, and the executor runs the kind's handler and
 * audits every step.
 *
 * - `router/`: candidates, scoring by load, round trip and experience, delivery, failover
 * - `wire/`: the client (async generators of task events), the server (a handler per
 *   message type) and admission (signature, member, org, audience, expiry, replay)
 * - `executor/`: runs handlers under one admission bound; output in clear, sealed at the wire
 *
 * @example
 * const executor = taskExecutor()(executorComponents)
 * await executor.start()
 * const router = taskRouter()({ ...routerComponents, executor })
 * const res = await router.run({ kind: 'echo', input: { prompt: 'hi' } })
 */
export { taskExecutor, TaskExecutor, type ExecutorComponents, type ExecutorInit } from './executor/task-executor.ts'
export type { TaskSummary } from './executor/executor.ts'
export { taskRouter, TaskRouter, type RouterComponents, type RouterInit, type RouteEvent, type RunSpec, type RunResult } from './router/router.ts'
export type { Candidate } from './router/candidates.ts'
export type { TaskOffer } from './router/offers.ts'
export type { PeerHealth, PeerFailure } from './router/health.ts'
export { TaskClientError, type TaskClientErrorCode } from './wire/errors.ts'
export { levelReplayStore, type ReplayStore } from './wire/replay-store.ts'
export { TaskKindRegistry, type TaskKindHandler, type TaskOutput, type TaskPriority, type TaskRunContext, type TaskUsage } from './registry.ts'
export { BusyError, InvalidTaskInputError, NoCandidateError, PolicyDeniedError, TaskFailedError, UnknownTaskError, wireCodeOf } from './errors.ts'
export { effectiveClass, DEFAULT_TASK_CLASS, type ClassOf } from './data-class.ts'
