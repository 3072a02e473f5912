/**
 * The executor: admits delegated and local tasks under one bound (running
 * plus queued; beyond it `busy` with a retry-after), runs each through its
 * kind's handler, audits every step, and keeps finished tasks' frames for
 * re-attach within a time and byte budget. Output stays in clear here and is
 * sealed only at the wire (`wire/server.ts`).
 *
 * @example
 * const executor = taskExecutor({ maxRunning: 4 })(components)
 * await executor.start()
 * const out = await executor.runLocal({ kind: 'echo', input: { prompt: 'hi' } })
 */
export { taskExecutor, TaskExecutor, type ExecutorComponents, type ExecutorInit } from './task-executor.ts'
export { TaskEngine, type EngineComponents, type EngineInit, type TaskSummary } from './executor.ts'
export { TaskRecords, type TaskRecord, type RecordsInit, type Sealer } from './records.ts'
